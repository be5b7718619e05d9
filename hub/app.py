"""The reference service platform: SERVICE_API.md as a FastAPI app over SQLite.

`create_app(...)` builds one hub. Semantics worth knowing:
- Submissions are idempotent by id: the first valid PUT stores the request and its 201 body;
  an identical PUT (same known fields) gets 200 with that same body, byte for byte; a PUT with
  different content gets 409. The check and the insert run in one `BEGIN IMMEDIATE`
  transaction, so concurrent identical PUTs produce exactly one 201.
- Before accepting, the hub proves the round trip: the sealed payload must open with its
  private key (and be a JSON object), and every attachment must be stored, have the declared
  size and open too. The plaintext is dropped at once; only a digest and the payload's
  top-level field names are kept for the admin listing. Nothing of it is logged.
- Catalog bundles are published by an admin and verified with the trusted admin keys
  (`offline_queue.catalog_bundle.verify_bundle`), exactly as stations verify them.
- Auth: `Authorization: Bearer` + `Kiosk-Id`. Unknown or missing credentials: 401. Known
  credentials used where they do not belong (another kiosk's id, a kiosk token on admin
  routes, the admin token on kiosk routes): 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from hub.store import HubStore, StoredSubmission
from offline_queue.wire import (
    CatalogBundle,
    ErrorBody,
    Heartbeat,
    MissingAttachments,
    Published,
    Refused,
    SealedEnvelope,
    StatusChange,
    SubmissionIn,
    SubmissionReceipt,
    SubmissionStatus,
    UUID_PATTERN,
    field_errors,
)
from offline_queue.catalog_bundle import NOT_NEWER, BundleRejected, canonical_json, verify_bundle
from offline_queue.sealing import Opener, SealingError

log = logging.getLogger("hub")

API_VERSION = "1"
REFERENCE_PREFIX = "GBA"
DEFAULT_MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_SUBMISSION_BYTES = 1024 * 1024
MAX_SMALL_BODY_BYTES = 256 * 1024  # heartbeats, catalogs, admin requests

#: Shown to the citizen via the station for each status (GET /v1/submissions/{id}).
STATUS_MESSAGES: dict[str, dict[str, str]] = {
    "received": {"zh-Hans": "已收到，等待受理", "zh-Hant": "已收到，等待受理", "en": "Received, waiting to be processed"},
    "in_review": {"zh-Hans": "审核中", "zh-Hant": "審核中", "en": "Under review"},
    "approved": {"zh-Hans": "已批准", "zh-Hant": "已批准", "en": "Approved"},
    "rejected": {"zh-Hans": "未通过，请查看短信通知", "zh-Hant": "未通過，請查看短訊通知", "en": "Not approved; see the text message sent to you"},
    "ready_for_pickup": {"zh-Hans": "已办结，可领取", "zh-Hant": "已辦結，可領取", "en": "Done, ready for pickup"},
}

#: `fault_hook(stage, method, path)` may return a status code (answered with a JSON error) or
#: any Response (garbage, oversized, Retry-After...) to send instead, or sleep to be slow;
#: stages are "before" (nothing stored yet) and "after_commit" (stored, but the client never
#: hears so). Runs for attachment and submission PUTs.
FaultHook = Callable[[str, str, str], "int | Response | None"]

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or unknown bearer token"},
    403: {"model": ErrorBody, "description": "Credentials not valid for this Kiosk-Id or route"},
}


class _Injected(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class HubError(Exception):
    """An answer that is not the happy path: status code, JSON body, optional headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers


def _now_text(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _etag(bundle_json: str) -> str:
    return '"' + hashlib.sha256(bundle_json.encode()).hexdigest()[:32] + '"'


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _json_response(status: int, body: dict[str, Any] | str) -> Response:
    content = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(content=content, status_code=status, media_type="application/json")


async def _read_body(request: Request, limit: int) -> bytes:
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


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HubError(422, {"errors": [{"field": "body", "message": "not valid JSON"}]}) from None
    if not isinstance(value, dict):
        raise HubError(422, {"errors": [{"field": "body", "message": "not a JSON object"}]})
    return value


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison; as bytes, since compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


class _Auth:
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


def _sha256_hex(value: str, what: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise HubError(400, {"error": "invalid_hash", "message": f"{what} must be 64 lower-case hex digits"})
    return value


def _check_submission_id(value: str) -> str:
    if not re.fullmatch(UUID_PATTERN, value):
        raise HubError(400, {"error": "invalid_id", "message": "submission id must be a UUID"})
    return value


def create_app(
    db_path: str | Path,
    *,
    private_key_b64: str,
    admin_token: str,
    kiosk_tokens: Mapping[str, str] | Collection[str],
    catalog_keys: Mapping[str, str] | None = None,
    sealing_key_id: str | None = None,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_submission_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES,
    durable: bool = True,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    fault_hook: FaultHook | None = None,
) -> FastAPI:
    """One hub over the SQLite file `db_path` (created if missing).

    `private_key_b64`: the platform's X25519 private key (`offline_queue.sealing`), used to
    check that payloads and attachments open. `sealing_key_id`: if given, envelopes must name
    it. `kiosk_tokens`: kiosk id -> bearer token, or a collection of tokens any kiosk may use.
    `catalog_keys`: key id -> base64 Ed25519 public key of admins allowed to publish catalogs.
    `durable=False` uses `synchronous=NORMAL` (for benchmarks; WAL still survives a crash of
    the hub process, not a power cut). `clock` and `fault_hook` exist for tests.
    """
    store = HubStore(db_path, synchronous="FULL" if durable else "NORMAL")
    opener = Opener(private_key_b64)
    auth = _Auth(admin_token, kiosk_tokens)
    trusted_catalog_keys = dict(catalog_keys or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Cross-city service API (reference hub)",
        version=API_VERSION,
        description="SERVICE_API.md version 1: submissions, attachments, signed catalogs, heartbeats.",
    )
    app.state.store = store

    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError) -> Response:
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(_Injected)
    async def _injected(request: Request, exc: _Injected) -> Response:
        return exc.response

    def fault(stage: str, request: Request) -> None:
        if fault_hook is not None:
            answer = fault_hook(stage, request.method, request.url.path)
            if isinstance(answer, Response):
                raise _Injected(answer)
            if answer is not None:
                raise HubError(answer, {"error": "injected", "message": stage})

    # -- submissions ----------------------------------------------------------------------

    @app.put(
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
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def put_attachment(submission_id: str, sha256: str, request: Request) -> Response:
        auth.kiosk(request)
        _check_submission_id(submission_id)
        _sha256_hex(sha256, "attachment hash")
        data = await _read_body(request, max_attachment_bytes)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise HubError(400, {"error": "hash_mismatch", "message": "SHA-256 of the body differs from the path"})
        created = await run_in_threadpool(store_attachment, submission_id, sha256, data, request)
        return _json_response(201 if created else 200, {"sha256": sha256, "size": len(data)})

    def store_attachment(submission_id: str, sha256: str, data: bytes, request: Request) -> bool:
        """Fault hook, commit, fault hook: on a worker thread, in ONE hop from the event loop
        (the commit's fsync and a hook's sleep must not block it; each hop costs CPU)."""
        fault("before", request)
        created = store.put_attachment(submission_id, sha256, data, _now_text(clock()))
        fault("after_commit", request)
        return created

    def check_content(sub: SubmissionIn) -> dict[str, Any]:
        """Refuse what the platform cannot use; return the admin-visible check report."""
        stored = store.attachment_sizes(sub.submission_id)
        missing = sorted({a.sha256 for a in sub.attachments if a.sha256 not in stored})
        if missing:
            raise HubError(422, {"missing_attachments": missing})
        errors = [
            {"field": f"attachments[{i}].size", "message": f"declared {a.size}, stored {stored[a.sha256]}"}
            for i, a in enumerate(sub.attachments)
            if stored[a.sha256] != a.size
        ]
        if sealing_key_id is not None and sub.sealed.recipient_key_id != sealing_key_id:
            errors.append({"field": "sealed.recipient_key_id", "message": "not this platform's key"})
        payload_fields: list[str] = []
        payload_digest = ""
        try:
            plaintext = opener.open_envelope(sub.sealed.model_dump())
        except SealingError:
            errors.append({"field": "sealed", "message": "does not open with the platform key"})
        else:
            payload_digest = hashlib.sha256(plaintext).hexdigest()
            try:
                opened = json.loads(plaintext)
            except (UnicodeDecodeError, ValueError, RecursionError):
                opened = None
            if isinstance(opened, dict):
                payload_fields = sorted(opened)
            else:
                errors.append({"field": "sealed", "message": "payload is not a JSON object"})
            del plaintext, opened
        for i, a in enumerate(sub.attachments):
            try:
                opener.open(store.attachment(sub.submission_id, a.sha256) or b"")
            except SealingError:
                errors.append({"field": f"attachments[{i}]", "message": "does not open with the platform key"})
        if errors:
            raise HubError(422, {"errors": errors})
        return {
            "payload_opened": True,
            "payload_sha256": payload_digest,
            "payload_fields": payload_fields,
            "attachments_opened": len(sub.attachments),
        }

    def accept_submission(sub: SubmissionIn, kiosk_id: str, request: Request) -> tuple[int, str]:
        if sub.kiosk_id != kiosk_id:
            raise HubError(422, {"errors": [{"field": "kiosk_id", "message": "differs from the Kiosk-Id header"}]})
        content = sub.model_dump(mode="json")
        digest = hashlib.sha256(canonical_json(content)).hexdigest()

        def replay(existing: StoredSubmission) -> tuple[int, str]:
            if existing.content_sha256 != digest:
                raise HubError(409, {"error": "conflict"})
            return 200, existing.response

        existing = store.submission(sub.submission_id)
        if existing is not None:
            return replay(existing)
        report = check_content(sub)
        fault("before", request)
        with store.transaction() as conn:
            existing = store.submission(sub.submission_id, conn)
            if existing is not None:
                return replay(existing)
            stored = store.insert_submission(
                conn,
                submission_id=sub.submission_id,
                kiosk_id=kiosk_id,
                service_code=sub.service_code,
                content_sha256=digest,
                request=content,
                received_at=_now_text(clock()),
                check_report=report,
                reference_prefix=REFERENCE_PREFIX,
            )
        log.info("submission %s received from %s as %s", stored.submission_id, kiosk_id, stored.reference)
        fault("after_commit", request)
        return 201, stored.response

    @app.put(
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
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/MissingAttachments"},
                                {"$ref": "#/components/schemas/Refused"},
                            ]
                        }
                    }
                },
            },
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmissionIn"}}},
            }
        },
    )
    async def put_submission(submission_id: str, request: Request) -> Response:
        kiosk_id = auth.kiosk(request)
        _check_submission_id(submission_id)
        raw = _json_object(await _read_body(request, max_submission_bytes))
        try:
            sub = SubmissionIn.model_validate(raw)
        except ValidationError as exc:
            raise HubError(422, {"errors": field_errors(exc)}) from None
        if sub.submission_id != submission_id:
            raise HubError(422, {"errors": [{"field": "submission_id", "message": "differs from the id in the path"}]})
        status, body = await run_in_threadpool(accept_submission, sub, kiosk_id, request)
        return _json_response(status, body)

    @app.get(
        "/v1/submissions/{submission_id}",
        response_model=SubmissionStatus,
        summary="A submission's status",
        responses={**AUTH_RESPONSES, 404: {"model": ErrorBody, "description": "Unknown id"}},
    )
    async def get_submission(submission_id: str, request: Request) -> Response:
        kiosk_id = auth.kiosk_or_admin(request)
        stored = await run_in_threadpool(store.submission, submission_id)
        # A kiosk sees only its own submissions; another kiosk's id looks unknown.
        if stored is None or (kiosk_id is not None and stored.kiosk_id != kiosk_id):
            raise HubError(404, {"error": "not_found"})
        return _json_response(
            200,
            {
                "submission_id": stored.submission_id,
                "reference": stored.reference,
                "status": stored.status,
                "updated_at": stored.updated_at,
                "message": STATUS_MESSAGES[stored.status],
            },
        )

    # -- catalog --------------------------------------------------------------------------

    @app.get(
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
        auth.kiosk_or_admin(request)
        current = await run_in_threadpool(store.current_catalog, region)
        if current is None:
            raise HubError(404, {"error": "no_catalog", "message": f"no catalog for region {region}"})
        _, bundle_json, etag = current
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(content=bundle_json, media_type="application/json", headers=headers)

    def publish(region: str, bundle: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with store.transaction() as conn:
            current = store.current_catalog(region, conn)
            current_version = current[0] if current else 0
            try:
                verified = verify_bundle(
                    bundle,
                    trusted_keys=trusted_catalog_keys,
                    region=region,
                    current_version=current_version,
                    now=clock(),
                )
            except BundleRejected as exc:
                if exc.reason == NOT_NEWER:
                    return 409, {"error": "version_not_higher", "current_version": current_version}
                return 400, {"error": exc.reason, "message": exc.detail}
            bundle_json = json.dumps(
                {"payload": bundle["payload"], "signature": bundle["signature"], "key_id": bundle["key_id"]}
            )
            etag = _etag(bundle_json)
            store.insert_catalog(conn, region, verified.version, bundle_json, etag, _now_text(clock()))
        log.info("catalog %s version %d published", region, verified.version)
        return 201, {"region": region, "version": verified.version, "etag": etag}

    @app.put(
        "/v1/catalog/{region}",
        status_code=201,
        response_model=Published,
        summary="Publish a signed catalog bundle (admin)",
        responses={
            **AUTH_RESPONSES,
            400: {"model": ErrorBody, "description": "Bad signature, unknown key, wrong region, expired, malformed"},
            409: {"model": ErrorBody, "description": "Version not higher than the current one"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CatalogBundle"}}},
            }
        },
    )
    async def put_catalog(region: str, request: Request) -> Response:
        auth.admin(request)
        raw = await _read_body(request, max_submission_bytes)
        try:
            bundle = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise HubError(400, {"error": "malformed", "message": "body is not JSON"}) from None
        status, body = await run_in_threadpool(publish, region, bundle)
        return _json_response(status, body)

    # -- health ---------------------------------------------------------------------------

    @app.post(
        "/v1/kiosks/{kiosk_id}/heartbeat",
        status_code=204,
        summary="A station's health report",
        responses={**AUTH_RESPONSES, 204: {"description": "Recorded"}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Heartbeat"}}},
            }
        },
    )
    async def heartbeat(kiosk_id: str, request: Request) -> Response:
        if auth.kiosk(request) != kiosk_id:
            raise HubError(403, {"error": "forbidden", "message": "path kiosk id differs from Kiosk-Id"})
        body = _json_object(await _read_body(request, MAX_SMALL_BODY_BYTES))
        await run_in_threadpool(store.put_heartbeat, kiosk_id, body, _now_text(clock()))
        return Response(status_code=204)

    @app.get("/healthz", summary="Liveness (no auth)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- admin reads (tests, demo, operators); never plaintext ----------------------------

    @app.get("/v1/admin/submissions", summary="Every submission: ids, status, attachments, checks (admin)")
    async def admin_submissions(request: Request) -> dict[str, Any]:
        auth.admin(request)
        rows = await run_in_threadpool(store.submissions)
        return {
            "submissions": [
                {
                    "submission_id": s.submission_id,
                    "kiosk_id": s.kiosk_id,
                    "service_code": s.service_code,
                    "receipt_number": s.request["receipt_number"],
                    "reference": s.reference,
                    "status": s.status,
                    "received_at": s.received_at,
                    "attachments": s.request["attachments"],
                    "checks": s.check_report,
                }
                for s in rows
            ]
        }

    @app.post(
        "/v1/admin/submissions/{submission_id}/status",
        status_code=204,
        summary="Move a submission to another status (admin; demo and tests)",
    )
    async def admin_set_status(submission_id: str, request: Request) -> Response:
        auth.admin(request)
        try:
            change = StatusChange.model_validate(_json_object(await _read_body(request, MAX_SMALL_BODY_BYTES)))
        except ValidationError as exc:
            raise HubError(422, {"errors": field_errors(exc)}) from None
        if not await run_in_threadpool(store.set_status, submission_id, change.status, _now_text(clock())):
            raise HubError(404, {"error": "not_found"})
        return Response(status_code=204)

    @app.get("/v1/admin/kiosks", summary="Each kiosk's latest heartbeat (admin)")
    async def admin_kiosks(request: Request) -> dict[str, Any]:
        auth.admin(request)
        return {"kiosks": await run_in_threadpool(store.heartbeats)}

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus the request-body schemas validated by hand above."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _, defs = models_json_schema(
                [(m, "validation") for m in (SubmissionIn, CatalogBundle, Heartbeat, MissingAttachments, Refused, SealedEnvelope)],
                ref_template="#/components/schemas/{model}",
            )
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {}).update(defs.get("$defs", {}))
            components["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"},
                "kioskId": {"type": "apiKey", "in": "header", "name": "Kiosk-Id"},
            }
            schema["security"] = [{"bearer": [], "kioskId": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app

