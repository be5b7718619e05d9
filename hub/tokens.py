"""Kiosk tokens at rest: only their SHA-256 is kept, one token per kiosk.

A token is 32 random bytes (`secrets.token_urlsafe`), so a plain SHA-256 is enough to make a
stolen hub.json useless for impersonating a kiosk (no dictionary to try); a slow password hash
would only cost every request. The clear token exists once: printed by `--station` for the
station's secrets file.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def one_token_per_kiosk(digests: Mapping[str, str | None]) -> None:
    """ValueError naming two kiosks that share a token (one could then act as the other)."""
    seen: dict[str, str] = {}
    for kiosk_id, digest in sorted(digests.items()):
        if digest is None:
            continue
        if digest in seen:
            raise ValueError(f"kiosks {seen[digest]} and {kiosk_id} share one token: give each kiosk its own")
        seen[digest] = kiosk_id
