"""The reference service platform: SERVICE_API.md as a FastAPI app over SQLite or PostgreSQL.

`create_app(...)` wires one hub: the rules (`hub.service`), the routes (`hub.routes`, one
router per concern), the auth (`hub.auth`), the OpenAPI document (`hub.openapi`), the
periodic purge of orphan attachments, and, when given a `ConsoleConfig`, the fleet console
(`hub.console`) with its alert webhook. There is no /docs or /redoc: FastAPI's pages load their
JavaScript from a public CDN, which station networks cannot reach (and nothing should load
code from there into an admin's browser); the document itself is served at /openapi.json
and committed as docs/openapi.json.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.auth import Auth, TokenDigests, fixed_tokens
from hub.console.config import ConsoleConfig
from hub.console.pages import make_console
from hub.console.pages import router as console_router
from hub.console.webhook import AlertSender, send_periodically
from hub.database import DATABASE_ERRORS
from hub.errors import HubError
from hub.openapi import schema
from hub.routes import ROUTERS
from hub.routes.common import FaultHook, HubContext, Injected
from hub.service import HubService
from hub.store import HubStore
from hub.upload_slots import UploadSlots

log = logging.getLogger("hub")

API_VERSION = "1.1"
DEFAULT_MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_SUBMISSION_BYTES = 1024 * 1024
DEFAULT_MAX_UPLOADS_PER_KIOSK = 4
DEFAULT_MAX_UPLOADS_TOTAL = 64
DEFAULT_BODY_IDLE_TIMEOUT_S = 30.0
DEFAULT_BODY_TIMEOUT_S = 600.0
DEFAULT_ORPHAN_PURGE_INTERVAL_S = 3600.0


async def _hub_error(request: Request, exc: HubError) -> Response:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _injected(request: Request, exc: Injected) -> Response:
    return exc.response


async def _purge_periodically(service: HubService, interval_s: float) -> None:
    """Purge orphan attachments every `interval_s`; a failed round is logged and retried."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(service.purge_orphans)
        except (OSError, *DATABASE_ERRORS) as exc:
            log.warning("orphan purge failed: %s", exc)


def create_app(
    database: str | Path,
    *,
    attachments_dir: Path | None = None,
    private_key_b64: str,
    admin_token: str,
    kiosk_tokens: Mapping[str, str] | None = None,
    kiosk_token_digests: TokenDigests | None = None,
    catalog_keys: Mapping[str, str] | None = None,
    sealing_key_id: str | None = None,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_submission_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES,
    max_uploads_per_kiosk: int = DEFAULT_MAX_UPLOADS_PER_KIOSK,
    max_uploads_total: int = DEFAULT_MAX_UPLOADS_TOTAL,
    body_idle_timeout_s: float = DEFAULT_BODY_IDLE_TIMEOUT_S,
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S,
    orphan_purge_interval_s: float = DEFAULT_ORPHAN_PURGE_INTERVAL_S,
    durable: bool = True,
    console: ConsoleConfig | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    fault_hook: FaultHook | None = None,
) -> FastAPI:
    """One hub over `database`: a SQLite file (created if missing) or a `postgresql://` URL;
    attachment bytes in `attachments_dir` (default: `attachments` beside the SQLite file).

    Kiosk tokens: either `kiosk_tokens` (kiosk id -> its own clear token; tests, benchmarks)
    or `kiosk_token_digests` (a callable giving kiosk id -> SHA-256 of its token, asked at every
    request: `hub.settings.KioskTokenFile` re-reads hub.json, so revocations count at once).
    Upload caps: 429 beyond `max_uploads_per_kiosk` / `max_uploads_total` concurrent uploads.
    Bodies: 408 after `body_idle_timeout_s` without data or `body_timeout_s` in all.
    Orphan attachments are purged every `orphan_purge_interval_s` (see `HubService.purge_orphans`).
    `private_key_b64`, `catalog_keys`, `sealing_key_id`: see `HubService`. `durable=False`
    trades durability for speed (benchmarks; see `hub.db_sqlite`, `hub.db_postgres`).
    `console`: the fleet console's admins and settings (without it, /console answers 404). `clock` and `fault_hook` (see `hub.routes.common.FaultHook`) exist for tests.
    """
    if (kiosk_tokens is None) == (kiosk_token_digests is None):
        raise TypeError("give kiosk_tokens or kiosk_token_digests, not both or neither")
    digests = kiosk_token_digests if kiosk_token_digests is not None else fixed_tokens(kiosk_tokens or {})
    auth = Auth(admin_token, digests)  # refuses bad tokens before any file is created
    uploads = UploadSlots(max_uploads_per_kiosk, max_uploads_total)
    store = HubStore.open(database, attachments_dir=attachments_dir, durable=durable)
    service = HubService(
        store, private_key_b64=private_key_b64, catalog_keys=catalog_keys, sealing_key_id=sealing_key_id, clock=clock
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_purge_periodically(service, orphan_purge_interval_s))]
        if console is not None and console.webhook_url:
            tasks.append(asyncio.create_task(send_periodically(AlertSender(service, console), console.webhook_interval_s)))
        yield
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Cross-city service API (reference hub)",
        version=API_VERSION,
        description="SERVICE_API.md version 1.1: submissions and attachments in kiosk namespaces, signed catalogs,"
        " heartbeats and audit heads.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = HubContext(
        service, auth, max_attachment_bytes, max_submission_bytes, uploads, body_idle_timeout_s, body_timeout_s,
        fault_hook,
    )
    app.state.store = store
    app.state.console = make_console(console) if console is not None else None
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(console_router)
    app.add_exception_handler(HubError, _hub_error)  # type: ignore[arg-type]
    app.add_exception_handler(Injected, _injected)  # type: ignore[arg-type]
    app.openapi = partial(schema, app)  # type: ignore[method-assign]
    return app
