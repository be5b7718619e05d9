"""The signed-bundle gate: every way a bundle can be wrong is refused, a good one passes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from offline_queue.catalog_bundle import (
    BAD_SIGNATURE,
    EXPIRED,
    MALFORMED,
    NOT_CANONICAL,
    NOT_NEWER,
    UNKNOWN_KEY,
    WRONG_REGION,
    BundleRejected,
    canonical_json,
    generate_signing_keypair,
    public_key_of,
    sign_bundle,
    verify_bundle,
)
from tests.unit.catalog.samples import service

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PRIVATE, PUBLIC = generate_signing_keypair()
KEY_ID = "gz-admin-2026"
TRUSTED = {KEY_ID: PUBLIC}


def payload(**overrides):
    base = {
        "region": "440105",
        "version": 42,
        "issued_at": "2026-11-22T08:00:00Z",
        "effective_from": "2026-11-23T00:00:00Z",
        "expires_at": None,
        "services": [service()],
    }
    base.update(overrides)
    return base


def verify(bundle, *, region="440105", current_version=41, now=NOW, trusted=TRUSTED):
    return verify_bundle(bundle, trusted_keys=trusted, region=region, current_version=current_version, now=now)


def rejected(bundle, reason, **kwargs):
    with pytest.raises(BundleRejected) as info:
        verify(bundle, **kwargs)
    assert info.value.reason == reason, str(info.value)
    return info.value


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": ["户", 2.5]}) == '{"a":["户",2.5],"b":1}'.encode()


def test_valid_bundle_is_accepted_with_parsed_header():
    bundle = sign_bundle(payload(expires_at="2027-01-01T00:00:00+00:00"), PRIVATE, KEY_ID)
    verified = verify(bundle)
    assert verified.version == 42 and verified.region == "440105"
    assert verified.effective_from == datetime(2026, 11, 23, tzinfo=UTC)
    assert verified.expires_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert verified.payload["services"][0]["name"]["en"] == "Hukou 户口"
    assert verified.raw == bundle
    assert verified.is_effective(NOW) and not verified.is_effective(NOW - timedelta(days=1))


def test_public_key_of_matches_generated_pair():
    assert public_key_of(PRIVATE) == PUBLIC


def test_tampered_payload_is_refused():
    """Bad input: a payload changed (version bumped) after signing, signature kept."""
    bundle = sign_bundle(payload(), PRIVATE, KEY_ID)
    bundle["payload"] = base64.b64encode(canonical_json(payload(version=99))).decode()
    rejected(bundle, BAD_SIGNATURE)


def test_tampered_signature_is_refused():
    """Bad input: one bit of the signature flipped."""
    bundle = sign_bundle(payload(), PRIVATE, KEY_ID)
    sig = bytearray(base64.b64decode(bundle["signature"]))
    sig[10] ^= 0x01
    bundle["signature"] = base64.b64encode(bytes(sig)).decode()
    rejected(bundle, BAD_SIGNATURE)


def test_signature_of_wrong_length_is_refused():
    """Bad input: a truncated signature."""
    bundle = sign_bundle(payload(), PRIVATE, KEY_ID)
    bundle["signature"] = base64.b64encode(base64.b64decode(bundle["signature"])[:63]).decode()
    rejected(bundle, BAD_SIGNATURE)


def test_unknown_key_id_is_refused():
    """Bad input: a bundle signed by a key id the station does not trust."""
    other_private, _ = generate_signing_keypair()
    rejected(sign_bundle(payload(), other_private, "rogue-key"), UNKNOWN_KEY)


def test_trusted_id_with_another_key_is_refused():
    """Bad input: the right key id but signed with a different private key."""
    other_private, _ = generate_signing_keypair()
    rejected(sign_bundle(payload(), other_private, KEY_ID), BAD_SIGNATURE)


def test_wrong_region_is_refused():
    """Bad input: a validly signed bundle for another region."""
    rejected(sign_bundle(payload(region="440300"), PRIVATE, KEY_ID), WRONG_REGION)


def test_expired_is_refused():
    """Bad input: expires_at in the past (and exactly now)."""
    rejected(sign_bundle(payload(effective_from="2026-10-01T00:00:00Z", expires_at="2026-11-01T00:00:00Z"), PRIVATE, KEY_ID), EXPIRED)
    rejected(sign_bundle(payload(expires_at=NOW.isoformat()), PRIVATE, KEY_ID), EXPIRED)


@pytest.mark.parametrize("current", [42, 43])
def test_rollback_and_replay_are_refused(current):
    """Bad input: a version equal to (replay) or lower than (rollback) the running one."""
    rejected(sign_bundle(payload(version=42), PRIVATE, KEY_ID), NOT_NEWER, current_version=current)


def sign_raw(body: bytes) -> dict:
    """A bundle over arbitrary bytes (sign_bundle always canonicalises, so it cannot make these)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(PRIVATE))
    return {
        "payload": base64.b64encode(body).decode(),
        "signature": base64.b64encode(key.sign(body)).decode(),
        "key_id": KEY_ID,
    }


def test_non_canonical_payload_is_refused_even_if_signed():
    """Bad input: pretty-printed JSON, correctly signed, so only the canonical check catches it."""
    rejected(sign_raw(json.dumps(payload(), indent=2).encode()), NOT_CANONICAL)


def test_duplicate_keys_are_not_canonical():
    """Bad input: a signed payload with a duplicated key (a parser-differential trick)."""
    canon = canonical_json(payload()).decode()
    rejected(sign_raw(('{"version":1,' + canon[1:]).encode()), NOT_CANONICAL)


def test_ascii_escaped_payload_is_not_canonical():
    """Bad input: the same catalog signed with \\u escapes instead of UTF-8."""
    rejected(sign_raw(json.dumps(payload(), sort_keys=True, separators=(",", ":")).encode()), NOT_CANONICAL)


def test_signed_payload_that_is_not_json_is_malformed():
    """Bad input: validly signed bytes that are not JSON, and a JSON array."""
    rejected(sign_raw(b"\xff not json"), MALFORMED)
    rejected(sign_raw(b"[1,2]"), MALFORMED)


@pytest.mark.parametrize(
    "bundle",
    [
        None,
        [],
        {},
        {"payload": "!!!", "signature": "AA==", "key_id": KEY_ID},
        {"payload": 5, "signature": "AA==", "key_id": KEY_ID},
        {"payload": "e30=", "signature": "AA==", "key_id": ""},
    ],
)
def test_malformed_bundles_are_refused(bundle):
    """Bad input: not an object, missing members, bad base64, wrong types."""
    rejected(bundle, MALFORMED)


@pytest.mark.parametrize(
    "overrides",
    [
        {"version": "42"},
        {"version": True},
        {"region": 440105},
        {"issued_at": "yesterday"},
        {"effective_from": "2026-11-23T00:00:00"},
        {"expires_at": 5},
    ],
)
def test_malformed_header_fields_are_refused(overrides):
    """Bad input: signed payloads whose header fields have the wrong type or no UTC offset."""
    rejected(sign_bundle(payload(**overrides), PRIVATE, KEY_ID), MALFORMED)


def test_naive_now_is_a_programming_error():
    """Bad input: a naive `now` (would compare wrongly against aware expiry)."""
    with pytest.raises(ValueError):
        verify(sign_bundle(payload(), PRIVATE, KEY_ID), now=datetime(2026, 11, 23))


def test_rejection_message_carries_no_payload_content():
    """Bad input: a wrong-region bundle; the error names regions only, not services."""
    err = rejected(sign_bundle(payload(region="440300"), PRIVATE, KEY_ID), WRONG_REGION)
    assert "Hukou" not in str(err)
