"""The hub's one refusal type, shared by its rules (`hub.service`) and its routes.

A refusal carries the HTTP status and JSON body of the contract (SERVICE_API.md) because the
contract defines refusals that way; the service raises it without knowing about FastAPI, and
the app turns it into a response in one exception handler.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """An answer that is not the happy path: status code, JSON body, optional headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers
