"""Running a hub: `serve` (blocking, for `run_kiosk.py hub`) and `running` (a background
thread on a free loopback port, for the demo and tests).

Both bind the socket themselves and hand it to uvicorn, so "port 0" gives a free port with
no race between choosing it and listening on it.
"""

from __future__ import annotations

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
from hub.settings import HubSettings

STARTUP_TIMEOUT_S = 10.0


def app_from_settings(settings: HubSettings, data_dir: Path) -> FastAPI:
    return create_app(
        data_dir / settings.database,
        private_key_b64=settings.sealing_private_key,
        admin_token=settings.admin_token,
        kiosk_tokens=settings.kiosk_tokens,
        catalog_keys=settings.catalog_keys,
        sealing_key_id=settings.sealing_key_id,
        max_attachment_bytes=settings.max_attachment_bytes,
        max_submission_bytes=settings.max_submission_bytes,
        durable=settings.durable,
    )


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the socket says it is TCP; with proto 0, Nagle + delayed ACK add ~40 ms per response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(app: FastAPI, access_log: bool) -> uvicorn.Server:
    # timeout_keep_alive: a sync daemon keeps one connection open between requests.
    config = uvicorn.Config(
        app, log_level="info" if access_log else "warning", access_log=access_log, timeout_keep_alive=30
    )
    return uvicorn.Server(config)


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8700, *, access_log: bool = True) -> None:
    """Serve until SIGINT/SIGTERM: uvicorn finishes in-flight requests, then this returns.

    uvicorn re-raises the signal it caught once it has shut down; a no-op SIGTERM handler
    installed first receives it, so a stopped hub exits 0 instead of dying by the signal.
    """
    sock = bind(host, port)
    print(f"hub listening on http://{host}:{sock.getsockname()[1]}", flush=True)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        _server(app, access_log).run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()


@dataclass(frozen=True)
class RunningHub:
    url: str
    port: int
    app: FastAPI


@contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningHub]:
    """Serve `app` in a daemon thread for the duration of the `with` block."""
    sock = bind(host, port)
    server = _server(app, access_log=False)
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
