"""Stations' health reports (heartbeats)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hub.errors import HubError
from hub.routes.common import (
    AUTH_RESPONSES,
    MAX_SMALL_BODY_BYTES,
    context,
    json_object,
    read_body,
    request_body,
    schema_ref,
)

router = APIRouter()


@router.post(
    "/v1/kiosks/{kiosk_id}/heartbeat",
    status_code=204,
    summary="A station's health report",
    responses={**AUTH_RESPONSES, 204: {"description": "Recorded"}},
    openapi_extra=request_body("application/json", schema_ref("Heartbeat")),
)
async def heartbeat(kiosk_id: str, request: Request) -> Response:
    hub = context(request)
    if hub.auth.kiosk(request) != kiosk_id:
        raise HubError(403, {"error": "forbidden", "message": "path kiosk id differs from Kiosk-Id"})
    body = json_object(await read_body(request, MAX_SMALL_BODY_BYTES))
    await run_in_threadpool(hub.service.record_heartbeat, kiosk_id, body)
    return Response(status_code=204)
