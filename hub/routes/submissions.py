"""Submissions and their sealed attachments: deliver, upload, ask for the status.

The service's writes run on a worker thread in ONE hop from the event loop, fault hook
included (a commit's fsync and a hook's sleep must not block the loop; each hop costs CPU).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hub.errors import HubError
from hub.routes.common import (
    AUTH_RESPONSES,
    checkpoint,
    context,
    json_object,
    json_response,
    read_body,
    request_body,
    schema_ref,
)
from offline_queue.wire import UUID_PATTERN, ErrorBody, SubmissionIn, SubmissionReceipt, SubmissionStatus, field_errors

router = APIRouter()


def _check_submission_id(value: str) -> None:
    if not re.fullmatch(UUID_PATTERN, value):
        raise HubError(400, {"error": "invalid_id", "message": "submission id must be a UUID"})


def _check_sha256_hex(value: str) -> None:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise HubError(400, {"error": "invalid_hash", "message": "attachment hash must be 64 lower-case hex digits"})


@router.put(
    "/v1/submissions/{submission_id}/attachments/{sha256}",
    status_code=201,
    summary="Upload one sealed attachment (idempotent by hash)",
    responses={
        **AUTH_RESPONSES,
        200: {"description": "Already stored (same hash)"},
        201: {"description": "Stored"},
        400: {"model": ErrorBody, "description": "SHA-256 of the body differs from the path"},
        413: {"model": ErrorBody, "description": "Larger than the hub accepts"},
    },
    openapi_extra=request_body("application/octet-stream", {"type": "string", "format": "binary"}),
)
async def put_attachment(submission_id: str, sha256: str, request: Request) -> Response:
    hub = context(request)
    hub.auth.kiosk(request)
    _check_submission_id(submission_id)
    _check_sha256_hex(sha256)
    data = await read_body(request, hub.max_attachment_bytes)
    created = await run_in_threadpool(hub.service.store_attachment, submission_id, sha256, data, checkpoint(request))
    return json_response(201 if created else 200, {"sha256": sha256, "size": len(data)})


@router.put(
    "/v1/submissions/{submission_id}",
    status_code=201,
    summary="Deliver a submission (idempotent by id)",
    responses={
        **AUTH_RESPONSES,
        200: {"model": SubmissionReceipt, "description": "Identical replay: the body of the first 201"},
        201: {"model": SubmissionReceipt, "description": "First delivery"},
        409: {"model": ErrorBody, "description": "This id was delivered with different content"},
        413: {"model": ErrorBody, "description": "Body too large"},
        422: {
            "description": "Missing attachments (upload, then PUT again) or refused content",
            "content": {
                "application/json": {"schema": {"oneOf": [schema_ref("MissingAttachments"), schema_ref("Refused")]}}
            },
        },
    },
    openapi_extra=request_body("application/json", schema_ref("SubmissionIn")),
)
async def put_submission(submission_id: str, request: Request) -> Response:
    hub = context(request)
    kiosk_id = hub.auth.kiosk(request)
    _check_submission_id(submission_id)
    raw = json_object(await read_body(request, hub.max_submission_bytes))
    try:
        sub = SubmissionIn.model_validate(raw)
    except ValidationError as exc:
        raise HubError(422, {"errors": field_errors(exc)}) from None
    if sub.submission_id != submission_id:
        raise HubError(422, {"errors": [{"field": "submission_id", "message": "differs from the id in the path"}]})
    status, body = await run_in_threadpool(hub.service.accept, sub, kiosk_id, checkpoint(request))
    return json_response(status, body)


@router.get(
    "/v1/submissions/{submission_id}",
    response_model=SubmissionStatus,
    summary="A submission's status",
    responses={**AUTH_RESPONSES, 404: {"model": ErrorBody, "description": "Unknown id"}},
)
async def get_submission(submission_id: str, request: Request) -> Response:
    hub = context(request)
    kiosk_id = hub.auth.kiosk_or_admin(request)
    return json_response(200, await run_in_threadpool(hub.service.submission_status, submission_id, kiosk_id))
