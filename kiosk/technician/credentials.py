"""Technician credentials: argon2 hashes of the PIN and of badge UIDs, never the secrets.

The config holds `pin_hash` and `badge_uid_hashes` (argon2id strings made by
`run_kiosk.py tech hash-pin` / `tech hash-badge`), so a copied config file reveals neither
the PIN nor which badges open the station. Badge UIDs are short (4-10 bytes), so a plain
SHA-256 of one could be brute-forced; argon2's salt and memory cost make that expensive.
A badge tap verifies against each allow-listed hash in turn (about 50-100 ms each with the
default parameters): fine for the handful of badges a region issues.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_DEFAULT_HASHER = PasswordHasher()  # argon2id, RFC 9106 "low memory" profile

PIN_PATTERN = re.compile(r"[0-9]{6,16}")  # ASCII only: \d also matches full-width digits


class CredentialFormatError(ValueError):
    """A PIN or badge UID that cannot be valid (wrong characters or length)."""


def normalize_uid(uid: str) -> str:
    """"04:a2 2b-9C" -> "04A22B9C": readers print UIDs with different separators and case."""
    cleaned = re.sub(r"[\s:\-]", "", uid).upper()
    if not re.fullmatch(r"(?:[0-9A-F]{2}){4,10}", cleaned):
        raise CredentialFormatError("a badge UID is 4 to 10 bytes of hexadecimal")
    return cleaned


def check_pin_format(pin: str) -> str:
    """The on-screen keypad has digits only: a PIN is 6 to 16 of them."""
    if not PIN_PATTERN.fullmatch(pin):
        raise CredentialFormatError("a PIN is 6 to 16 digits")
    return pin


def hash_pin(pin: str, hasher: PasswordHasher | None = None) -> str:
    """argon2id hash of a PIN, to put in the config's `technician.pin_hash`."""
    return (hasher or _DEFAULT_HASHER).hash(check_pin_format(pin))


def hash_badge_uid(uid: str, hasher: PasswordHasher | None = None) -> str:
    """argon2id hash of a badge UID, for `technician.badge_uid_hashes`."""
    return (hasher or _DEFAULT_HASHER).hash(normalize_uid(uid))


def verify_secret(encoded: str, secret: str) -> bool:
    """True when `secret` matches the argon2 hash; False for a mismatch or a broken hash.

    The hash carries its own parameters, so hashes made with cheaper test parameters verify
    the same way.
    """
    try:
        return _DEFAULT_HASHER.verify(encoded, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_pin(encoded: str, pin: str) -> bool:
    return bool(encoded) and PIN_PATTERN.fullmatch(pin) is not None and verify_secret(encoded, pin)


class Credentials:
    """The station's `CredentialChecker`: one PIN hash and an allow-list of badge hashes."""

    def __init__(self, pin_hash: str = "", badge_uid_hashes: tuple[str, ...] | list[str] = ()) -> None:
        self._pin_hash = pin_hash
        self._badges = tuple(badge_uid_hashes)

    def check_pin(self, pin: str) -> str | None:
        return "pin" if verify_pin(self._pin_hash, pin) else None

    def check_badge(self, uid: str) -> str | None:
        """Which allow-list entry (1-based) the badge matches, as "badge#N", or None."""
        try:
            normalized = normalize_uid(uid)
        except CredentialFormatError:
            return None
        for index, encoded in enumerate(self._badges, start=1):
            if verify_secret(encoded, normalized):
                return f"badge#{index}"
        return None
