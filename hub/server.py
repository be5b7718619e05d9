"""Running a hub: `serve` (blocking, for `run_kiosk.py hub`) and `running` (a background
thread on a free loopback port, for the demo and tests).

Both bind the socket themselves and hand it to uvicorn, so "port 0" gives a free port with
no race between choosing it and listening on it. `ServerLimits` bound what slow or greedy
clients can hold: a header deadline and size (`hub.http_protocol`), the keep-alive time, and
a connection cap (uvicorn's `limit_concurrency`: 503 beyond it). `serve` raises the process's
file-descriptor soft limit to its hard limit, so the cap, not the fd limit, is what binds.
Behind a reverse proxy (docs/hub.md) the proxy's own limits come first.
"""

from __future__ import annotations

import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from hub.app import create_app
from hub.console.config import ConsoleConfig
from hub.http_protocol import LimitedHttpToolsProtocol
from hub.settings import SETTINGS_FILE, HubSettings, KioskTokenFile, database_location

STARTUP_TIMEOUT_S = 10.0
log = logging.getLogger("hub")


@dataclass(frozen=True)
class ServerLimits:
    """What one connection may hold: see the module docstring and docs/hub.md."""

    header_timeout_s: float = 10.0
    max_header_bytes: int = 16 * 1024
    keep_alive_s: int = 30  # a sync daemon keeps one connection open between requests
    max_connections: int = 4096
    backlog: int = 1024


def app_from_settings(settings: HubSettings, data_dir: Path, database: str | None = None) -> FastAPI:
    """The hub of `data_dir`; `database` (`--database`) overrides hub.json's."""
    location, attachments_dir = database_location(settings, data_dir, database)
    return create_app(
        location,
        attachments_dir=attachments_dir,
        private_key_b64=settings.sealing_private_key,
        admin_token=settings.admin_token,
        kiosk_token_digests=KioskTokenFile(data_dir / SETTINGS_FILE),
        catalog_keys=settings.catalog_keys,
        sealing_key_id=settings.sealing_key_id,
        max_attachment_bytes=settings.max_attachment_bytes,
        max_submission_bytes=settings.max_submission_bytes,
        max_uploads_per_kiosk=settings.max_uploads_per_kiosk,
        max_uploads_total=settings.max_uploads_total,
        durable=settings.durable,
        console=ConsoleConfig(admins=settings.console_admins, webhook_url=settings.alert_webhook_url),
    )


def raise_fd_limit() -> int:
    """Soft limit of open files up to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def bind(host: str, port: int, backlog: int = ServerLimits.backlog) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the socket says it is TCP; with proto 0, Nagle + delayed ACK add ~40 ms per response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _server(app: FastAPI, access_log: bool, limits: ServerLimits) -> uvicorn.Server:
    protocol = type(
        "HubHttpProtocol",
        (LimitedHttpToolsProtocol,),
        {"header_timeout_s": limits.header_timeout_s, "max_header_bytes": limits.max_header_bytes},
    )
    config = uvicorn.Config(
        app,
        http=protocol,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        timeout_keep_alive=limits.keep_alive_s,
        limit_concurrency=limits.max_connections,
        backlog=limits.backlog,
    )
    return uvicorn.Server(config)


def serve(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = 8700,
    *,
    access_log: bool = True,
    limits: ServerLimits = ServerLimits(),
) -> None:
    """Serve until SIGINT/SIGTERM: uvicorn finishes in-flight requests, then this returns.

    uvicorn re-raises the signal it caught once it has shut down; a no-op SIGTERM handler
    installed first receives it, so a stopped hub exits 0 instead of dying by the signal.
    """
    fds = raise_fd_limit()
    if fds < limits.max_connections + 64:
        log.warning("open-file limit %d is below the connection cap %d: raise it (LimitNOFILE)", fds, limits.max_connections)
    sock = bind(host, port, limits.backlog)
    print(f"hub listening on http://{host}:{sock.getsockname()[1]}", flush=True)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        _server(app, access_log, limits).run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()


@dataclass(frozen=True)
class RunningHub:
    url: str
    port: int
    app: FastAPI


@contextmanager
def running(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0, *, limits: ServerLimits = ServerLimits()
) -> Iterator[RunningHub]:
    """Serve `app` in a daemon thread for the duration of the `with` block."""
    sock = bind(host, port, limits.backlog)
    server = _server(app, access_log=False, limits=limits)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="hub", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("hub did not start")
        time.sleep(0.01)
    actual = sock.getsockname()[1]
    try:
        yield RunningHub(url=f"http://{host}:{actual}", port=actual, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
        sock.close()
