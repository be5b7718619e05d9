"""Submissions and their sealed attachments: deliver, upload, ask for the status.

The service's writes run on a worker thread in ONE hop from the event loop, fault hook
included (a commit's fsync and a hook's sleep must not block the loop; each hop costs CPU).
Ids are taken in lower case (SERVICE_API 1.1); every read and write is within the
authenticated kiosk's namespace. Attachments are streamed to a spool file as they arrive
(chunk writes go to the page cache from the loop; the fsync and rename run on the worker),
within the upload caps (429 beyond them).
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
    body_chunks,
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


def _submission_id(value: str) -> str:
    """The path's id in lower case, or 400."""
    if not re.fullmatch(UUID_PATTERN, value):
        raise HubError(400, {"error": "invalid_id", "message": "submission id must be a UUID"})
    return value.lower()


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
        408: {"model": ErrorBody, "description": "The body did not arrive in time"},
        413: {"model": ErrorBody, "description": "Larger than the hub accepts"},
        429: {"model": ErrorBody, "description": "Too many uploads at once (per kiosk or in total); see Retry-After"},
    },
    openapi_extra=request_body("application/octet-stream", {"type": "string", "format": "binary"}),
)
async def put_attachment(submission_id: str, sha256: str, request: Request) -> Response:
    hub = context(request)
    kiosk_id = hub.auth.kiosk(request)
    submission_id = _submission_id(submission_id)
    _check_sha256_hex(sha256)
    with hub.uploads.take(kiosk_id):
        spool = hub.service.new_upload()
        try:
            async for chunk in body_chunks(request, hub.max_attachment_bytes):
                spool.write(chunk)
            created = await run_in_threadpool(
                hub.service.store_attachment, kiosk_id, submission_id, sha256, spool, checkpoint(request)
            )
        finally:
            spool.discard()
    return json_response(201 if created else 200, {"sha256": sha256, "size": spool.size})


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
    submission_id = _submission_id(submission_id)
    raw = json_object(await read_body(request, hub.max_submission_bytes))
    try:
        sub = SubmissionIn.model_validate(raw)
    except ValidationError as exc:
        raise HubError(422, {"errors": field_errors(exc)}) from None
    if sub.submission_id.lower() != submission_id:
        raise HubError(422, {"errors": [{"field": "submission_id", "message": "differs from the id in the path"}]})
    status, body = await run_in_threadpool(hub.service.accept, sub, kiosk_id, checkpoint(request))
    return json_response(status, body)


@router.get(
    "/v1/submissions/{submission_id}",
    response_model=SubmissionStatus,
    summary="A submission's status (a kiosk's own; an admin names the kiosk when two use the id)",
    responses={
        **AUTH_RESPONSES,
        404: {"model": ErrorBody, "description": "Unknown id in this kiosk's namespace"},
        409: {"model": ErrorBody, "description": "Admin only: several kiosks use this id; pass kiosk_id"},
    },
)
async def get_submission(submission_id: str, request: Request, kiosk_id: str | None = None) -> Response:
    hub = context(request)
    caller = hub.auth.kiosk_or_admin(request)
    owner = caller if caller is not None else kiosk_id
    return json_response(200, await run_in_threadpool(hub.service.submission_status, submission_id, owner))
