"""Who is calling: bearer tokens checked against one admin token and the kiosks' token digests.

Unknown or missing credentials: 401. Known credentials used where they do not belong
(another kiosk's id, a kiosk token on admin routes, the admin token on kiosk routes): 403.
Kiosk tokens are compared as SHA-256 digests (`hub.tokens`), in constant time; the digests
come from a callable asked at every request, so a revocation in hub.json counts at once.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

from fastapi import Request

from hub.errors import HubError
from hub.tokens import one_token_per_kiosk, token_digest

#: kiosk id -> SHA-256 hex of its token, or None (no token issued, or revoked).
TokenDigests = Callable[[], Mapping[str, "str | None"]]


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison; as bytes, since compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def fixed_tokens(kiosk_tokens: Mapping[str, str]) -> TokenDigests:
    """Digests of clear tokens given in code (tests, benchmarks): one per kiosk, none empty."""
    if not isinstance(kiosk_tokens, Mapping):
        raise TypeError("kiosk_tokens maps each kiosk id to its own token")
    if any(not t for t in kiosk_tokens.values()):
        raise ValueError("kiosk tokens must not be empty")
    digests = {kiosk: token_digest(token) for kiosk, token in kiosk_tokens.items()}
    one_token_per_kiosk(digests)
    return lambda: digests


class Auth:
    """Bearer tokens: one admin token, one token per kiosk id (as digests, see `TokenDigests`)."""

    def __init__(self, admin_token: str, kiosk_token_digests: TokenDigests) -> None:
        if not admin_token:
            raise ValueError("admin_token must not be empty")
        self.admin_token = admin_token
        self._digests = kiosk_token_digests

    @staticmethod
    def _bearer(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HubError(401, {"error": "unauthenticated"}, {"WWW-Authenticate": "Bearer"})
        return token.strip()

    def _is_kiosk_token(self, token: str) -> bool:
        # A set lookup on digests: its timing tells nothing about any token's clear text.
        return token_digest(token) in {d for d in self._digests().values() if d is not None}

    def _is_admin(self, token: str) -> bool:
        return _same(token, self.admin_token)

    def kiosk(self, request: Request) -> str:
        """The authenticated kiosk id, or HubError 401/403."""
        token = self._bearer(request)
        kiosk_id = request.headers.get("kiosk-id", "").strip()
        expected = self._digests().get(kiosk_id) if kiosk_id else None
        if expected is not None and _same(token_digest(token), expected):
            return kiosk_id
        if self._is_kiosk_token(token) or self._is_admin(token):
            raise HubError(403, {"error": "forbidden", "message": "credentials not valid for this Kiosk-Id"})
        raise HubError(401, {"error": "unauthenticated"}, {"WWW-Authenticate": "Bearer"})

    def admin(self, request: Request) -> None:
        token = self._bearer(request)
        if self._is_admin(token):
            return
        if self._is_kiosk_token(token):
            raise HubError(403, {"error": "forbidden", "message": "admin token required"})
        raise HubError(401, {"error": "unauthenticated"}, {"WWW-Authenticate": "Bearer"})

    def kiosk_or_admin(self, request: Request) -> str | None:
        """The kiosk id, or None for the admin."""
        token = self._bearer(request)
        if self._is_admin(token):
            return None
        return self.kiosk(request)
