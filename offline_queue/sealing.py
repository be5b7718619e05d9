"""Sealing: encrypt to the service platform's public key before anything touches disk.

The construction is libsodium's sealed box (X25519 + XSalsa20-Poly1305, ephemeral sender
key) through PyNaCl: anonymous, authenticated, and well reviewed. A station holds only the
platform's *public* key, so a stolen station or a curious technician cannot open what it
queued; only the platform (the hub, in the demo and tests) holds the private key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from nacl.bindings import crypto_box_SEALBYTES
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

ALG = "x25519-xsalsa20poly1305-sealedbox"


class SealingError(Exception):
    """A key is malformed or a ciphertext does not open."""


def generate_keypair() -> tuple[str, str]:
    """A new (private, public) key pair, each base64 of 32 raw bytes."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private)).decode(),
        base64.b64encode(bytes(private.public_key)).decode(),
    )


def _key_bytes(b64: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, TypeError) as exc:
        raise SealingError(f"{what} is not valid base64") from exc
    if len(raw) != 32:
        raise SealingError(f"{what} must be 32 bytes, got {len(raw)}")
    return raw


@dataclass(frozen=True)
class Sealer:
    """Seals bytes to the platform's public key; `key_id` names that key on the wire."""

    public_key_b64: str
    key_id: str

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_box", SealedBox(PublicKey(_key_bytes(self.public_key_b64, "public key")))
        )

    def seal(self, plaintext: bytes) -> bytes:
        return self._box.encrypt(plaintext)  # type: ignore[attr-defined]

    @staticmethod
    def sealed_size(plaintext_size: int) -> int:
        """Length of `seal()`'s output: an ephemeral public key and a MAC are added, nothing more."""
        return plaintext_size + crypto_box_SEALBYTES

    def envelope(self, plaintext: bytes) -> dict[str, str]:
        """The `sealed` object of SERVICE_API.md for a submission payload."""
        return {
            "alg": ALG,
            "recipient_key_id": self.key_id,
            "ciphertext": base64.b64encode(self.seal(plaintext)).decode(),
        }


@dataclass(frozen=True)
class Opener:
    """The platform side: opens what a `Sealer` sealed. Never configured on a station."""

    private_key_b64: str

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_box", SealedBox(PrivateKey(_key_bytes(self.private_key_b64, "private key")))
        )

    def open(self, ciphertext: bytes) -> bytes:
        try:
            return self._box.decrypt(ciphertext)  # type: ignore[attr-defined]
        except CryptoError as exc:
            raise SealingError("ciphertext does not open with this key") from exc

    def open_envelope(self, envelope: dict[str, str]) -> bytes:
        if envelope.get("alg") != ALG:
            raise SealingError(f"unsupported sealing algorithm {envelope.get('alg')!r}")
        try:
            raw = base64.b64decode(envelope["ciphertext"], validate=True)
        except (KeyError, ValueError, TypeError) as exc:
            raise SealingError("envelope has no valid ciphertext") from exc
        return self.open(raw)
