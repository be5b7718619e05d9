"""Sealing: what the station writes opens only with the platform's key, and is RFC 9180 HPKE.

The platform is someone else's software: `test_wire_format_is_rfc9180_base_mode` opens a
sealed message with a from-the-RFC key schedule written here (X25519, HMAC-SHA256, AES-GCM
from the standard primitives), so the `alg` name promises what any RFC 9180 library reads.
Bad inputs tried: wrong key, flipped bits, truncation, empty input, keys that are not base64,
the wrong length or a low-order point, an envelope with another alg or broken base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from offline_queue.sealing import ALG, Opener, Sealer, SealingError, generate_keypair, public_key_of


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.mark.parametrize("size", [0, 1, 1000, 300_000])
def test_round_trip_and_exact_size(keys: tuple[str, str], size: int) -> None:
    private, public = keys
    plaintext = bytes(range(256)) * (size // 256) + bytes(size % 256)
    sealed = Sealer(public, "k1").seal(plaintext)
    assert len(sealed) == Sealer.sealed_size(size)
    assert Opener(private).open(sealed) == plaintext


def test_every_seal_is_fresh_and_hides_the_plaintext(keys: tuple[str, str]) -> None:
    _, public = keys
    secret = b"WANG Xiaoming 110101199003077777" * 20
    sealer = Sealer(public, "k1")
    first, second = sealer.seal(secret), sealer.seal(secret)
    assert first != second  # a new ephemeral key (and so a new AES key) each time
    assert first[:32] != second[:32]
    for sealed in (first, second):
        assert b"Xiaoming" not in sealed and b"110101" not in sealed


def test_wrong_key_tampering_and_truncation_are_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    sealed = Sealer(public, "k1").seal(b"payload" * 100)
    other_private, _ = generate_keypair()
    with pytest.raises(SealingError):
        Opener(other_private).open(sealed)
    opener = Opener(private)
    for index in (0, 31, 32, len(sealed) // 2, len(sealed) - 1):  # key, body and tag
        tampered = bytearray(sealed)
        tampered[index] ^= 0x01
        with pytest.raises(SealingError):
            opener.open(bytes(tampered))
    for cut in (sealed[:-1], sealed[:47], sealed[:10], b""):
        with pytest.raises(SealingError):
            opener.open(cut)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes, got 5"),
        (base64.b64encode(bytes(32)).decode(), "not usable for X25519"),  # the all-zero low-order point
    ],
)
def test_bad_public_keys_are_refused_when_configured(key: str, message: str) -> None:
    with pytest.raises(SealingError, match=message):
        Sealer(key, "k1")


def test_public_key_of_matches_the_pair(keys: tuple[str, str]) -> None:
    private, public = keys
    assert public_key_of(private) == public
    with pytest.raises(SealingError, match="private key must be 32 bytes"):
        public_key_of(base64.b64encode(b"x" * 31).decode())


def test_envelope_names_the_suite_and_opens(keys: tuple[str, str]) -> None:
    private, public = keys
    envelope = Sealer(public, "platform-2026").envelope(b'{"a": 1}')
    assert envelope["alg"] == ALG == "hpke-base-x25519-hkdfsha256-aes256gcm"
    assert envelope["recipient_key_id"] == "platform-2026"
    opener = Opener(private)
    assert opener.open_envelope(envelope) == b'{"a": 1}'
    with pytest.raises(SealingError, match="unsupported sealing algorithm"):
        opener.open_envelope({**envelope, "alg": "x25519-xsalsa20poly1305-sealedbox"})
    with pytest.raises(SealingError, match="no valid ciphertext"):
        opener.open_envelope({**envelope, "ciphertext": "%%%"})


# --- RFC 9180 from the text: DHKEM(X25519, HKDF-SHA256)=0x0020, HKDF-SHA256=0x0001, AES-256-GCM=0x0002


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info, length)


def _rfc9180_open(private: X25519PrivateKey, sealed: bytes) -> bytes:
    enc, ciphertext = sealed[:32], sealed[32:]
    kem_suite = b"KEM" + (0x0020).to_bytes(2, "big")
    dh = private.exchange(X25519PublicKey.from_public_bytes(enc))
    kem_context = enc + private.public_key().public_bytes_raw()
    eae_prk = _labeled_extract(kem_suite, b"", b"eae_prk", dh)
    shared_secret = _labeled_expand(kem_suite, eae_prk, b"shared_secret", kem_context, 32)
    suite = b"HPKE" + (0x0020).to_bytes(2, "big") + (0x0001).to_bytes(2, "big") + (0x0002).to_bytes(2, "big")
    context = (
        b"\x00"  # mode_base
        + _labeled_extract(suite, b"", b"psk_id_hash", b"")
        + _labeled_extract(suite, b"", b"info_hash", b"")  # empty info
    )
    secret = _labeled_extract(suite, shared_secret, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", context, 32)
    base_nonce = _labeled_expand(suite, secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(base_nonce, ciphertext, b"")  # sequence number 0, empty aad


def test_wire_format_is_rfc9180_base_mode(keys: tuple[str, str]) -> None:
    private_b64, public = keys
    private = X25519PrivateKey.from_private_bytes(base64.b64decode(private_b64))
    plaintext = b"sealed to the platform " * 50
    assert _rfc9180_open(private, Sealer(public, "k1").seal(plaintext)) == plaintext
