"""Signed catalog bundles: what an admin publishes and a station accepts.

A bundle is `{"payload": base64(canonical JSON), "signature": base64(Ed25519), "key_id"}`
(SERVICE_API.md). The signature covers the exact payload bytes, and the payload must be the
*canonical* JSON of what it decodes to, so there is exactly one byte string per catalog:
nobody can smuggle duplicate keys or alternative encodings past a verifier that re-parses.

`verify_bundle` is the one gate for station and hub alike. It checks, in this order: the
bundle's shape, the key id, the signature, canonical form, the payload's header fields, the
region, that the version moves forward (no rollback, no replay) and that it has not expired.
The catalog's *content* (services, fields) is not judged here: that is the station's domain
model's business; this module knows nothing of `kiosk`.
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

#: Reason codes carried by `BundleRejected.reason` (stable, safe to log and to count).
MALFORMED = "malformed"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
NOT_CANONICAL = "not_canonical"
WRONG_REGION = "wrong_region"
NOT_NEWER = "not_newer"
EXPIRED = "expired"


class BundleRejected(Exception):
    """A bundle that must not be applied. `reason` is one of the codes above."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
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


def parse_time(value: Any, what: str) -> datetime:
    """An RFC 3339 timestamp with an explicit offset (naive times are ambiguous: refused)."""
    if not isinstance(value, str):
        raise BundleRejected(MALFORMED, f"{what} is not an RFC 3339 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BundleRejected(MALFORMED, f"{what} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise BundleRejected(MALFORMED, f"{what} has no UTC offset")
    return parsed


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
    if canonical_json(payload) != body:
        raise BundleRejected(NOT_CANONICAL, "payload is not canonical JSON")

    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleRejected(MALFORMED, "version is not an integer")
    bundle_region = payload.get("region")
    if not isinstance(bundle_region, str):
        raise BundleRejected(MALFORMED, "region is not a string")
    issued_at = parse_time(payload.get("issued_at"), "issued_at")
    effective_from = parse_time(payload.get("effective_from"), "effective_from")
    raw_expiry = payload.get("expires_at")
    expires_at = None if raw_expiry is None else parse_time(raw_expiry, "expires_at")

    if bundle_region != region:
        raise BundleRejected(WRONG_REGION, f"bundle is for region {bundle_region!r}, not {region!r}")
    if version <= current_version:
        raise BundleRejected(NOT_NEWER, f"version {version} is not higher than {current_version}")
    if expires_at is not None and now >= expires_at:
        raise BundleRejected(EXPIRED, f"bundle expired at {raw_expiry}")
    return VerifiedBundle(
        payload=payload,
        version=version,
        region=bundle_region,
        issued_at=issued_at,
        effective_from=effective_from,
        expires_at=expires_at,
        raw=dict(bundle),
    )
