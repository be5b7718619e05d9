"""Signed catalog bundles: stations pull the current one (with ETag), admins publish."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hub.errors import HubError
from hub.routes.common import AUTH_RESPONSES, context, json_response, read_body, request_body, schema_ref
from offline_queue.wire import CatalogBundle, ErrorBody, Published

router = APIRouter()


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


@router.get(
    "/v1/catalog",
    response_model=CatalogBundle,
    summary="The region's current signed catalog bundle",
    responses={
        **AUTH_RESPONSES,
        304: {"description": "If-None-Match matched the current ETag"},
        404: {"model": ErrorBody, "description": "No catalog published for the region"},
    },
)
async def get_catalog(request: Request, region: str = Query(..., min_length=1, max_length=16)) -> Response:
    hub = context(request)
    hub.auth.kiosk_or_admin(request)
    bundle_json, etag = await run_in_threadpool(hub.service.current_catalog, region)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=bundle_json, media_type="application/json", headers=headers)


@router.put(
    "/v1/catalog/{region}",
    status_code=201,
    response_model=Published,
    summary="Publish a signed catalog bundle (admin)",
    responses={
        **AUTH_RESPONSES,
        400: {
            "model": ErrorBody,
            "description": "Bad signature, unknown key, wrong region, expired, malformed or invalid"
            " (then also `errors`: every `path: message` the catalog validator found)",
        },
        409: {"model": ErrorBody, "description": "Version not higher than the current one"},
    },
    openapi_extra=request_body("application/json", schema_ref("CatalogBundle")),
)
async def put_catalog(region: str, request: Request) -> Response:
    hub = context(request)
    hub.auth.admin(request)
    raw = await read_body(request, hub.max_submission_bytes)
    try:
        bundle = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HubError(400, {"error": "malformed", "message": "body is not JSON"}) from None
    status, body = await run_in_threadpool(hub.service.publish, region, bundle)
    return json_response(status, body)
