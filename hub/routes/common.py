"""What every route module shares: the app's `HubContext`, body reading, JSON replies.

The routers are module-level objects included into each app, so they find their hub through
`request.app.state.hub` (a `HubContext`) rather than through closures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hub.auth import Auth
from hub.errors import HubError
from hub.service import Checkpoint, HubService
from offline_queue.wire import ErrorBody

MAX_SMALL_BODY_BYTES = 256 * 1024  # heartbeats, admin requests

#: `fault_hook(stage, method, path)` may return a status code (answered with a JSON error) or
#: any Response (garbage, oversized, Retry-After...) to send instead, or sleep to be slow;
#: stages are "before" (nothing stored yet) and "after_commit" (stored, but the client never
#: hears so). Runs for attachment and submission PUTs.
FaultHook = Callable[[str, str, str], "int | Response | None"]

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown bearer token"},
    403: {"model": ErrorBody, "description": "Credentials not valid for this Kiosk-Id or route"},
}


def schema_ref(name: str) -> dict[str, str]:
    """A reference to one of the schemas `hub.openapi` adds to the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def request_body(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` describing a body that the route reads by hand (FastAPI cannot see it)."""
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


@dataclass(frozen=True)
class HubContext:
    """One app's hub: its rules, its tokens, its body limits and the tests' fault hook."""

    service: HubService
    auth: Auth
    max_attachment_bytes: int
    max_submission_bytes: int
    fault_hook: FaultHook | None = None


def context(request: Request) -> HubContext:
    return request.app.state.hub


class Injected(Exception):
    """A response chosen by the fault hook, sent instead of the real one."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def checkpoint(request: Request) -> Checkpoint:
    """The fault hook bound to this request, for the service to call around its writes."""
    hook = context(request).fault_hook

    def at(stage: str) -> None:
        if hook is None:
            return
        answer = hook(stage, request.method, request.url.path)
        if isinstance(answer, Response):
            raise Injected(answer)
        if answer is not None:
            raise HubError(answer, {"error": "injected", "message": stage})

    return at


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HubError(413, {"error": "too_large", "message": f"body exceeds {limit} bytes"})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HubError(413, {"error": "too_large", "message": f"body exceeds {limit} bytes"})
    return bytes(body)


def json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HubError(422, {"errors": [{"field": "body", "message": "not valid JSON"}]}) from None
    if not isinstance(value, dict):
        raise HubError(422, {"errors": [{"field": "body", "message": "not a JSON object"}]})
    return value


def json_response(status: int, body: dict[str, Any] | str) -> Response:
    content = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(content=content, status_code=status, media_type="application/json")
