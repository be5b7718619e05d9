"""Admin reads and status changes (tests, demo, operators); never plaintext."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hub.errors import HubError
from hub.routes.common import MAX_SMALL_BODY_BYTES, context, json_object, read_body
from offline_queue.wire import StatusChange, field_errors

router = APIRouter()


@router.get("/v1/admin/submissions", summary="Every submission: ids, status, attachments, checks (admin)")
async def admin_submissions(request: Request) -> dict[str, Any]:
    hub = context(request)
    hub.auth.admin(request)
    return {"submissions": await run_in_threadpool(hub.service.submissions)}


@router.post(
    "/v1/admin/submissions/{submission_id}/status",
    status_code=204,
    summary="Move a submission to another status (admin; demo and tests); kiosk_id when two kiosks use the id",
)
async def admin_set_status(submission_id: str, request: Request, kiosk_id: str | None = None) -> Response:
    hub = context(request)
    hub.auth.admin(request)
    try:
        change = StatusChange.model_validate(json_object(await read_body(request, MAX_SMALL_BODY_BYTES)))
    except ValidationError as exc:
        raise HubError(422, {"errors": field_errors(exc)}) from None
    await run_in_threadpool(hub.service.change_status, submission_id, change.status, kiosk_id)
    return Response(status_code=204)


@router.get("/v1/admin/kiosks", summary="Each kiosk's latest heartbeat (admin)")
async def admin_kiosks(request: Request) -> dict[str, Any]:
    hub = context(request)
    hub.auth.admin(request)
    return {"kiosks": await run_in_threadpool(hub.service.kiosks)}
