"""What every route module shares: the app's `HubContext`, body reading, JSON replies.

The routers are module-level objects included into each app, so they find their hub through
`request.app.state.hub` (a `HubContext`) rather than through closures.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hub.auth import Auth
from hub.errors import HubError
from hub.service import Checkpoint, HubService
from hub.upload_slots import UploadSlots
from offline_queue.wire import ErrorBody

MAX_SMALL_BODY_BYTES = 64 * 1024  # heartbeats, admin requests
MAX_SMALL_BODY_DEPTH = 8  # nesting of a heartbeat's JSON (the contract's deepest is 4)

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
    """One app's hub: its rules, its tokens, its body limits and timeouts, its upload caps and
    the tests' fault hook. A body must arrive within `body_timeout_s` with no pause longer
    than `body_idle_timeout_s` (else 408)."""

    service: HubService
    auth: Auth
    max_attachment_bytes: int
    max_submission_bytes: int
    uploads: UploadSlots
    body_idle_timeout_s: float
    body_timeout_s: float
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


def _too_large(limit: int) -> HubError:
    return HubError(413, {"error": "too_large", "message": f"body exceeds {limit} bytes"})


async def body_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives: 413 as soon as it is known to exceed `limit`, 408 (and
    the connection closed) when the client pauses or takes too long."""
    hub = context(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + hub.body_timeout_s
    stream = request.stream().__aiter__()
    received = 0
    while True:
        try:
            async with asyncio.timeout(max(0.0, min(hub.body_idle_timeout_s, deadline - loop.time()))):
                chunk = await anext(stream)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise HubError(408, {"error": "body_timeout", "message": "the body did not arrive in time"},
                           {"Connection": "close"}) from None
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    """The whole request body (small bodies only: attachments are streamed to disk)."""
    body = bytearray()
    async for chunk in body_chunks(request, limit):
        body += chunk
    return bytes(body)


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def json_object(raw: bytes, max_depth: int | None = None) -> dict[str, Any]:
    """`raw` as a JSON object, 422 otherwise; with `max_depth`, also 422 when nested deeper
    (a body kept and served back later must not break whoever reads it)."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HubError(422, {"errors": [{"field": "body", "message": "not valid JSON"}]}) from None
    if not isinstance(value, dict):
        raise HubError(422, {"errors": [{"field": "body", "message": "not a JSON object"}]})
    if max_depth is not None and _deeper_than(value, max_depth):
        raise HubError(422, {"errors": [{"field": "body", "message": f"nested deeper than {max_depth} levels"}]})
    return value


def json_response(status: int, body: dict[str, Any] | str) -> Response:
    content = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(content=content, status_code=status, media_type="application/json")
