"""Signed catalog bundles: what an admin publishes and a station accepts.

A bundle is `{"payload": base64(canonical JSON), "signature": base64(Ed25519), "key_id"}`
(SERVICE_API.md). The signature covers the exact payload bytes, and the payload must be the
*canonical* JSON of what it decodes to, so there is exactly one byte string per catalog:
nobody can smuggle duplicate keys or alternative encodings past a verifier that re-parses.

`verify_bundle` is the one gate for station and hub alike. It checks, in this order: the
bundle's shape, the key id, the signature, canonical form, the payload's header fields, the
region, that the version moves forward (no rollback, no replay), that it has not expired, and
last the whole payload with the one validator (`catalog_schema.validate_catalog`): a signed
catalog the station could not show is refused like a forged one.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from offline_queue.catalog_schema import CatalogHeader, error_lines, validate_catalog

#: Reason codes carried by `BundleRejected.reason` (stable, safe to log and to count).
MALFORMED = "malformed"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
NOT_CANONICAL = "not_canonical"
WRONG_REGION = "wrong_region"
NOT_NEWER = "not_newer"
EXPIRED = "expired"
INVALID = "invalid"


class BundleRejected(Exception):
    """A bundle that must not be applied. `reason` is one of the codes above; `errors` lists
    the validator's `path: message` lines (for `malformed` headers and `invalid` content)."""

    def __init__(self, reason: str, detail: str = "", errors: tuple[str, ...] = ()) -> None:
        self.reason = reason
        self.detail = detail
        self.errors = errors
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check; `raw` is the bundle exactly as received."""

    payload: dict[str, Any] = field(repr=False)
    version: int
    region: str
    issued_at: datetime
    effective_from: datetime
    expires_at: datetime | None
    raw: dict[str, Any] = field(repr=False)

    def is_effective(self, now: datetime) -> bool:
        """False while the bundle is staged (before `effective_from`)."""
        return now >= self.effective_from


def canonical_json(obj: Any) -> bytes:
    """The one byte string for a JSON value: UTF-8, keys sorted, no insignificant white space."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def generate_signing_keypair() -> tuple[str, str]:
    """A new Ed25519 (private, public) key pair, each base64 of the 32 raw bytes."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(private_raw).decode(), base64.b64encode(public_raw).decode()


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BundleRejected(MALFORMED, f"{what} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleRejected(MALFORMED, f"{what} is not valid base64") from exc


def _private_key(private_key_b64: str) -> Ed25519PrivateKey:
    raw = base64.b64decode(private_key_b64, validate=True)
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 private key is 32 bytes, got {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _public_key(public_key_b64: str, key_id: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        # A misconfigured trusted key: refuse rather than crash the caller's loop.
        raise BundleRejected(UNKNOWN_KEY, f"trusted key {key_id!r} is not a valid Ed25519 key") from exc


def public_key_of(private_key_b64: str) -> str:
    """The base64 public key belonging to a base64 Ed25519 private key."""
    raw = _private_key(private_key_b64).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode()


def sign_bundle(payload: dict[str, Any], private_key_b64: str, key_id: str) -> dict[str, str]:
    """Sign the canonical JSON of `payload`; the result is what `PUT /v1/catalog` takes."""
    body = canonical_json(payload)
    signature = _private_key(private_key_b64).sign(body)
    return {
        "payload": base64.b64encode(body).decode(),
        "signature": base64.b64encode(signature).decode(),
        "key_id": key_id,
    }


def decode_payload(bundle: Any) -> dict[str, Any]:
    """The payload of a bundle WITHOUT verifying it: for display and diagnostics only."""
    if not isinstance(bundle, dict):
        raise BundleRejected(MALFORMED, "bundle is not a JSON object")
    try:
        payload = json.loads(_b64(bundle.get("payload"), "payload").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BundleRejected(MALFORMED, "payload is not UTF-8 JSON") from exc
    if not isinstance(payload, dict):
        raise BundleRejected(MALFORMED, "payload is not a JSON object")
    return payload


def verify_bundle(
    bundle: Any,
    *,
    trusted_keys: dict[str, str],
    region: str,
    current_version: int,
    now: datetime,
) -> VerifiedBundle:
    """Check a received bundle; return it verified or raise `BundleRejected`.

    `trusted_keys` maps key id to base64 Ed25519 public key; `now` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(bundle, dict):
        raise BundleRejected(MALFORMED, "bundle is not a JSON object")
    key_id = bundle.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        raise BundleRejected(MALFORMED, "key_id is missing")
    body = _b64(bundle.get("payload"), "payload")
    signature = _b64(bundle.get("signature"), "signature")
    if key_id not in trusted_keys:
        raise BundleRejected(UNKNOWN_KEY, f"key id {key_id!r} is not trusted")
    if len(signature) != 64:
        raise BundleRejected(BAD_SIGNATURE, "signature is not 64 bytes")
    try:
        _public_key(trusted_keys[key_id], key_id).verify(signature, body)
    except InvalidSignature as exc:
        raise BundleRejected(BAD_SIGNATURE, f"signature does not verify with key {key_id!r}") from exc

    payload = decode_payload(bundle)
    try:
        canonical = canonical_json(payload)
    except UnicodeEncodeError as exc:  # a lone surrogate, escaped in the JSON: not UTF-8 text
        raise BundleRejected(NOT_CANONICAL, "payload holds text that is not UTF-8") from exc
    if canonical != body:
        raise BundleRejected(NOT_CANONICAL, "payload is not canonical JSON")

    header = _header(payload)
    if header.region != region:
        raise BundleRejected(WRONG_REGION, f"bundle is for region {header.region!r}, not {region!r}")
    if header.version <= current_version:
        raise BundleRejected(NOT_NEWER, f"version {header.version} is not higher than {current_version}")
    if header.expires_at is not None and now >= header.expires_at:
        raise BundleRejected(EXPIRED, f"bundle expired at {payload['expires_at']}")
    errors = validate_catalog(payload)
    if errors:
        raise BundleRejected(INVALID, _summary(errors), tuple(errors))
    return VerifiedBundle(
        payload=payload,
        version=header.version,
        region=header.region,
        issued_at=header.issued_at,
        effective_from=header.effective_from,
        expires_at=header.expires_at,
        raw=dict(bundle),
    )


def _header(payload: dict[str, Any]) -> CatalogHeader:
    """The payload's region, version and times, judged by the catalog's own rules."""
    try:
        return CatalogHeader.model_validate({k: v for k, v in payload.items() if k in CatalogHeader.model_fields})
    except ValidationError as exc:
        errors = error_lines(exc)
        raise BundleRejected(MALFORMED, _summary(errors), tuple(errors)) from None


def _summary(errors: list[str], shown: int = 3) -> str:
    """One line for an admin: how many problems, and the first few."""
    more = f"; and {len(errors) - shown} more" if len(errors) > shown else ""
    return f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}: {'; '.join(errors[:shown])}{more}"
