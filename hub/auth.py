"""Who is calling: bearer tokens checked against one admin token and the kiosks' tokens.

Unknown or missing credentials: 401. Known credentials used where they do not belong
(another kiosk's id, a kiosk token on admin routes, the admin token on kiosk routes): 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping

from fastapi import Request

from hub.errors import HubError


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison; as bytes, since compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


class Auth:
    """Bearer tokens: one admin token, kiosk tokens per kiosk id (or shared by all kiosks)."""

    def __init__(self, admin_token: str, kiosk_tokens: Mapping[str, str] | Collection[str]) -> None:
        if not admin_token:
            raise ValueError("admin_token must not be empty")
        self.admin_token = admin_token
        if isinstance(kiosk_tokens, str):
            raise TypeError("kiosk_tokens is a mapping or a collection of tokens, not one string")
        if isinstance(kiosk_tokens, Mapping):
            self.per_kiosk: dict[str, str] | None = dict(kiosk_tokens)
            self.shared: tuple[str, ...] = ()
        else:
            self.per_kiosk = None
            self.shared = tuple(kiosk_tokens)
        if any(not t for t in (*self.shared, *(self.per_kiosk or {}).values())):
            raise ValueError("kiosk tokens must not be empty")

    @staticmethod
    def _bearer(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HubError(401, {"error": "unauthenticated"}, {"WWW-Authenticate": "Bearer"})
        return token.strip()

    def _is_kiosk_token(self, token: str) -> bool:
        tokens = self.shared if self.per_kiosk is None else tuple(self.per_kiosk.values())
        return any(_same(token, t) for t in tokens)

    def _is_admin(self, token: str) -> bool:
        return _same(token, self.admin_token)

    def kiosk(self, request: Request) -> str:
        """The authenticated kiosk id, or HubError 401/403."""
        token = self._bearer(request)
        kiosk_id = request.headers.get("kiosk-id", "").strip()
        if self.per_kiosk is None:
            ok = self._is_kiosk_token(token)
        else:
            expected = self.per_kiosk.get(kiosk_id)
            ok = expected is not None and _same(token, expected)
        if ok and kiosk_id:
            return kiosk_id
        if ok or self._is_kiosk_token(token) or self._is_admin(token):
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
