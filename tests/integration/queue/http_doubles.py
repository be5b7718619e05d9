"""Real HTTP servers on loopback for the sync tests: a minimal stand-in hub and a fault proxy.

`StandinHub` implements the submission half of SERVICE_API.md with the contract's
idempotency rules (201 first, 200 identical replay, 409 different content, 422 missing
attachments) plus catalog GET with ETag and heartbeats. `FaultProxy` forwards to any
upstream (the stand-in, or the reference hub) and injects the faults the issue lists: 500
before or after the upstream commits, a TCP reset after the request body (before or after
forwarding), 429/503 with Retry-After, answers slower than the client's read timeout,
garbage and oversized bodies. Both are stdlib `http.server`: no mocks, real sockets.
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Base:
    """Start/stop a ThreadingHTTPServer on 127.0.0.1:free port in a thread."""

    handler: type[BaseHTTPRequestHandler]

    def start(self, tls: ssl.SSLContext | None = None) -> _Base:
        owner = self

        class Handler(self.handler):  # type: ignore[misc,valid-type]
            server_owner = owner

        self._server = _Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _HubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body meet delayed ACKs: 40 ms a reply
    server_owner: StandinHub

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: dict | None = None, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _authorised(self) -> bool:
        hub = self.server_owner
        if self.headers.get("Authorization") != f"Bearer {hub.token}":
            self._send(401, {"error": "unauthorized"})
            return False
        return True

    def do_PUT(self) -> None:  # noqa: N802
        body = self._body()
        if not self._authorised():
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        hub = self.server_owner
        if len(parts) == 5 and parts[:2] == ["v1", "submissions"] and parts[3] == "attachments":
            sid, sha = parts[2], parts[4]
            if hashlib.sha256(body).hexdigest() != sha:
                return self._send(400, {"error": "hash_mismatch"})
            with hub.lock:
                key = (sid, sha)
                existed = key in hub.attachments
                hub.attachments[key] = body
                hub.attachment_puts += 1
            return self._send(200 if existed else 201, {"sha256": sha})
        if len(parts) == 3 and parts[:2] == ["v1", "submissions"]:
            sid = parts[2]
            sub = json.loads(body)
            with hub.lock:
                hub.submission_puts += 1
                missing = [a["sha256"] for a in sub["attachments"] if (sid, a["sha256"]) not in hub.attachments]
                if missing:
                    return self._send(422, {"missing_attachments": missing})
                if sid in hub.refuse:
                    return self._send(422, {"errors": [{"field": "service_code", "message": "unknown"}]})
                existing = hub.submissions.get(sid)
                if existing is not None:
                    if existing[0] != sub:
                        return self._send(409, {"error": "conflict"})
                    return self._send(200, existing[1])
                receipt = {
                    "submission_id": sid,
                    "reference": f"REF-{len(hub.submissions) + 1:06d}",
                    "status": "received",
                    "received_at": "2026-11-23T00:00:00Z",
                }
                hub.submissions[sid] = (sub, receipt)
            return self._send(201, receipt)
        self._send(404, {"error": "not_found"})

    def do_GET(self) -> None:  # noqa: N802
        if not self._authorised():
            return
        url = urlsplit(self.path)
        hub = self.server_owner
        if url.path == "/v1/catalog":
            region = parse_qs(url.query).get("region", [""])[0]
            bundle = hub.catalogs.get(region)
            if bundle is None:
                return self._send(404, {"error": "not_found"})
            etag = '"' + hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, None, {"ETag": etag})
            return self._send(200, bundle, {"ETag": etag})
        self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        if not self._authorised():
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "kiosks"] and parts[3] == "heartbeat":
            self.server_owner.heartbeats.append((self.headers.get("Kiosk-Id"), json.loads(body)))
            return self._send(204)
        self._send(404, {"error": "not_found"})


@dataclass(eq=False)
class StandinHub(_Base):
    """The contract's submission semantics in memory; `submissions[id] = (body, receipt)`."""

    token: str = "station-token"
    handler = _HubHandler
    lock: threading.Lock = field(default_factory=threading.Lock)
    attachments: dict[tuple[str, str], bytes] = field(default_factory=dict)
    submissions: dict[str, tuple[dict, dict]] = field(default_factory=dict)
    catalogs: dict[str, dict] = field(default_factory=dict)
    heartbeats: list[tuple[str | None, dict]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    attachment_puts: int = 0
    submission_puts: int = 0


# ----------------------------------------------------------------------------- fault proxy

BEFORE_500 = "500_before"  # answer 500, upstream never sees the request
AFTER_500 = "500_after"  # upstream commits, the station gets 500
RESET_BEFORE = "reset_before"  # body read, then TCP RST, upstream never sees it
RESET_AFTER = "reset_after"  # upstream commits, then TCP RST instead of the answer
THROTTLE = "429"  # 429 with Retry-After (value in Fault.arg)
UNAVAILABLE = "503"  # 503 with Retry-After
SLOW = "slow"  # upstream commits, the answer comes after Fault.arg seconds
GARBAGE = "garbage"  # upstream commits, 200 with a non-JSON body
OVERSIZED = "oversized"  # upstream commits, 200 with a JSON body of Fault.arg bytes


@dataclass
class Fault:
    kind: str
    match: Callable[[str, str], bool] = lambda method, path: True
    times: int = 1
    arg: str | float | int | None = None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body meet delayed ACKs: 40 ms a reply
    server_owner: FaultProxy

    def log_message(self, *args: object) -> None:
        pass

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        upstream = urlsplit(self.server_owner.upstream)
        conn = HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, dict(response.getheaders())

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        proxy = self.server_owner
        fault = proxy.take(self.command, self.path)
        kind = fault.kind if fault else None
        if kind == BEFORE_500:
            return self._reply(500, b'{"error":"internal"}', {"Content-Type": "application/json"})
        if kind == RESET_BEFORE:
            return self._reset()
        if kind in (THROTTLE, UNAVAILABLE):
            status = 429 if kind == THROTTLE else 503
            return self._reply(status, b'{"error":"slow down"}', {"Retry-After": str(fault.arg), "Content-Type": "application/json"})
        status, data, headers = self._forward(body)
        if kind == AFTER_500:
            return self._reply(500, b"<html>Internal Server Error</html>", {"Content-Type": "text/html"})
        if kind == RESET_AFTER:
            return self._reset()
        if kind == SLOW:
            time.sleep(float(fault.arg))
        if kind == GARBAGE:
            return self._reply(200, b"\x00<html>not json at all", {"Content-Type": "application/json"})
        if kind == OVERSIZED:
            size = int(fault.arg)
            padding = b'{"submission_id":"x","reference":"R","pad":"' + b"a" * size + b'"}'
            return self._reply(200, padding, {"Content-Type": "application/json"})
        self._reply(status, data, headers)

    do_GET = do_PUT = do_POST = _handle  # noqa: N815


@dataclass(eq=False)
class FaultProxy(_Base):
    """Forwards to `upstream`, applying queued `Fault`s to matching requests, in order."""

    upstream: str = ""
    handler = _ProxyHandler
    faults: list[Fault] = field(default_factory=list)
    applied: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.match(method, path):
                    fault.times -= 1
                    self.applied.append((fault.kind, method, path))
                    return fault
        return None


def submission_path(method: str, path: str) -> bool:
    """Matches `PUT /v1/submissions/{id}` (not its attachments)."""
    return method == "PUT" and path.count("/") == 3 and path.startswith("/v1/submissions/")


def attachment_path(method: str, path: str) -> bool:
    return method == "PUT" and "/attachments/" in path
