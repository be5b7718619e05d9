"""The reference service platform: SERVICE_API.md as a FastAPI app over SQLite.

`create_app(...)` wires one hub: the rules (`hub.service`), the routes (`hub.routes`, one
router per concern), the auth (`hub.auth`) and the OpenAPI document (`hub.openapi`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from hub.auth import Auth
from hub.errors import HubError
from hub.openapi import schema
from hub.routes import ROUTERS
from hub.routes.common import FaultHook, HubContext, Injected
from hub.service import HubService
from hub.store import HubStore

API_VERSION = "1"
DEFAULT_MAX_ATTACHMENT_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_SUBMISSION_BYTES = 1024 * 1024


async def _hub_error(request: Request, exc: HubError) -> Response:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _injected(request: Request, exc: Injected) -> Response:
    return exc.response


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

    `kiosk_tokens`: kiosk id -> bearer token, or a collection of tokens any kiosk may use.
    `private_key_b64`, `catalog_keys`, `sealing_key_id`: see `HubService`. `durable=False`
    uses `synchronous=NORMAL` (for benchmarks; WAL still survives a crash of the hub process,
    not a power cut). `clock` and `fault_hook` (see `hub.routes.common.FaultHook`) exist for tests.
    """
    auth = Auth(admin_token, kiosk_tokens)  # refuses empty tokens before any file is created
    store = HubStore(db_path, synchronous="FULL" if durable else "NORMAL")
    service = HubService(
        store, private_key_b64=private_key_b64, catalog_keys=catalog_keys, sealing_key_id=sealing_key_id, clock=clock
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Cross-city service API (reference hub)",
        version=API_VERSION,
        description="SERVICE_API.md version 1: submissions, attachments, signed catalogs, heartbeats.",
    )
    app.state.hub = HubContext(service, auth, max_attachment_bytes, max_submission_bytes, fault_hook)
    app.state.store = store
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(HubError, _hub_error)  # type: ignore[arg-type]
    app.add_exception_handler(Injected, _injected)  # type: ignore[arg-type]
    app.openapi = partial(schema, app)  # type: ignore[method-assign]
    return app
