"""Stations' health reports (heartbeats, limited in size and depth) and the audit heads they
carried (SERVICE_API 1.1), which a kiosk reads back for `audit verify --platform`; citizens'
calls for help (1.1), which admins see in the fleet console."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hub.errors import HubError
from offline_queue.wire import AuditHeads, ErrorBody
from hub.routes.common import (
    AUTH_RESPONSES,
    MAX_SMALL_BODY_BYTES,
    MAX_SMALL_BODY_DEPTH,
    context,
    json_object,
    read_body,
    request_body,
    schema_ref,
)

router = APIRouter()


async def _own_report(kiosk_id: str, request: Request) -> dict:
    """The body a kiosk reports about itself (small JSON object), 403 for another kiosk's path."""
    if context(request).auth.kiosk(request) != kiosk_id:
        raise HubError(403, {"error": "forbidden", "message": "path kiosk id differs from Kiosk-Id"})
    return json_object(await read_body(request, MAX_SMALL_BODY_BYTES), max_depth=MAX_SMALL_BODY_DEPTH)


@router.post(
    "/v1/kiosks/{kiosk_id}/heartbeat",
    status_code=204,
    summary="A station's health report",
    responses={
        **AUTH_RESPONSES,
        204: {"description": "Recorded"},
        413: {"model": ErrorBody, "description": "Body too large"},
        422: {"description": "Not a JSON object, nested too deep, or contract fields of the wrong shape"},
    },
    openapi_extra=request_body("application/json", schema_ref("Heartbeat")),
)
async def heartbeat(kiosk_id: str, request: Request) -> Response:
    body = await _own_report(kiosk_id, request)
    await run_in_threadpool(context(request).service.record_heartbeat, kiosk_id, body)
    return Response(status_code=204)


@router.get(
    "/v1/kiosks/{kiosk_id}/audit-heads",
    response_model=AuditHeads,
    summary="Every audit head the kiosk reported (that kiosk or an admin)",
    responses=AUTH_RESPONSES,
)
async def audit_heads(kiosk_id: str, request: Request) -> dict:
    hub = context(request)
    caller = hub.auth.kiosk_or_admin(request)
    if caller is not None and caller != kiosk_id:
        raise HubError(403, {"error": "forbidden", "message": "path kiosk id differs from Kiosk-Id"})
    return await run_in_threadpool(hub.service.audit_heads, kiosk_id)


@router.post(
    "/v1/kiosks/{kiosk_id}/help",
    status_code=202,
    summary="A citizen called for help at a station (kind, session step, time; no personal data)",
    responses={
        **AUTH_RESPONSES,
        202: {"description": "Recorded; admins see it in the fleet console"},
        413: {"model": ErrorBody, "description": "Body too large"},
        422: {"description": "Not a JSON object, or fields of the wrong shape"},
    },
    openapi_extra=request_body("application/json", schema_ref("HelpRequest")),
)
async def help_request(kiosk_id: str, request: Request) -> Response:
    body = await _own_report(kiosk_id, request)
    await run_in_threadpool(context(request).service.record_help, kiosk_id, body)
    return Response(status_code=202)
