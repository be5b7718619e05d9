"""Slow and greedy clients against the hub over real loopback HTTP (issue 12 finding 6: 900
connections trickling one header line every 10 s were all still held after 70 s, 1,100 made
/healthz unreachable; 30 concurrent 16 MiB uploads took the hub to 1.46 GB), and revocation
taking effect on a running hub without a restart (finding 10)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hub.cli import main as hub_main
from hub.server import ServerLimits, running
from tests.unit.hub.conftest import KIOSK, OTHER_KIOSK, build_submission, kiosk_headers

pytestmark = pytest.mark.realstack
TIMEOUT = (5, 30)


def raw(hub, request: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
    sock.sendall(request)
    return sock


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[bool, bytes]:
    """Keep sending `trickle` every 0.1 s; True once the hub closes the connection."""
    deadline = time.monotonic() + seconds
    received = b""
    sock.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle)
            chunk = sock.recv(65536)
            if not chunk:
                return True, received
            received += chunk
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True, received
    return False, received


def test_headers_trickling_in_are_cut_by_the_header_timeout(make_app):
    """Bad input: a request whose header lines arrive one at a time, for ever."""
    with running(make_app(), limits=ServerLimits(header_timeout_s=0.5)) as hub:
        sock = raw(hub, b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")
        start = time.monotonic()
        closed, _ = closed_within(sock, 5, trickle=b"X-Slow: 1\r\n")
        assert closed and time.monotonic() - start < 2
        # A keep-alive connection whose next request trickles is cut the same way.
        sock = raw(hub, b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\nGET /healthz HTTP/1.1\r\n")
        closed, answer = closed_within(sock, 5, trickle=b"X-Slow: 1\r\n")
        assert closed and answer.startswith(b"HTTP/1.1 200")
        assert requests.get(f"{hub.url}/healthz", timeout=TIMEOUT).status_code == 200


def test_oversized_headers_are_refused(make_app):
    """Bad input: 64 KiB of headers."""
    with running(make_app()) as hub:
        sock = raw(hub, b"GET /healthz HTTP/1.1\r\nHost: hub\r\n" + b"X-Big: " + b"a" * 65536 + b"\r\n\r\n")
        closed, answer = closed_within(sock, 5)
        assert closed and answer.startswith(b"HTTP/1.1 4")


def test_a_body_that_stops_arriving_gets_408(make_app, keys):
    """Bad input: an attachment upload that sends 10 of 1,000 bytes and then nothing."""
    with running(make_app(body_idle_timeout_s=0.5)) as hub:
        sub = build_submission(keys, n_attachments=0)
        head = "".join(f"{k}: {v}\r\n" for k, v in kiosk_headers().items())
        sock = raw(hub, (f"PUT {sub.url}/attachments/{'a' * 64} HTTP/1.1\r\nHost: hub\r\n{head}"
                         "Content-Length: 1000\r\n\r\n").encode() + b"0123456789")
        start = time.monotonic()
        closed, answer = closed_within(sock, 5)
        assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - start < 3


def test_connections_beyond_the_cap_get_503_and_the_hub_recovers(make_app):
    """Bad input: more idle connections than the hub's connection cap."""
    with running(make_app(), limits=ServerLimits(max_connections=4, header_timeout_s=60)) as hub:
        idle = [raw(hub, b"") for _ in range(4)]
        time.sleep(0.2)
        assert requests.get(f"{hub.url}/healthz", timeout=TIMEOUT).status_code == 503
        for sock in idle:
            sock.close()
        time.sleep(0.2)
        assert requests.get(f"{hub.url}/healthz", timeout=TIMEOUT).status_code == 200


@pytest.mark.parametrize(("per_kiosk", "total", "second_kiosk_code"), [(1, 8, 201), (8, 1, 429)],
                         ids=["per-kiosk-cap", "total-cap"])
def test_uploads_beyond_the_caps_get_429_with_retry_after(make_app, keys, per_kiosk, total, second_kiosk_code):
    """Bad input: a kiosk starting more concurrent uploads than the hub allows."""
    app = make_app(max_uploads_per_kiosk=per_kiosk, max_uploads_total=total)
    with running(app) as hub:
        slow = build_submission(keys, n_attachments=1)
        (digest, blob), = slow.attachments.items()
        head = "".join(f"{k}: {v}\r\n" for k, v in kiosk_headers().items())
        sock = raw(hub, (f"PUT {slow.url}/attachments/{digest} HTTP/1.1\r\nHost: hub\r\n{head}"
                         f"Content-Length: {len(blob)}\r\n\r\n").encode() + blob[:10])
        mine = build_submission(keys, n_attachments=1)
        (d2, b2), = mine.attachments.items()
        deadline = time.monotonic() + 10
        while (r := requests.put(f"{hub.url}{mine.url}/attachments/{d2}", data=b2, headers=kiosk_headers(),
                                 timeout=TIMEOUT)).status_code != 429:
            assert r.status_code == 201 and time.monotonic() < deadline  # the slow upload has not started yet
            mine = build_submission(keys, n_attachments=1)
            (d2, b2), = mine.attachments.items()
        assert int(r.headers["retry-after"]) >= 1
        other = build_submission(keys, kiosk=OTHER_KIOSK, n_attachments=1)
        (d3, b3), = other.attachments.items()
        r = requests.put(f"{hub.url}{other.url}/attachments/{d3}", data=b3, headers=kiosk_headers(OTHER_KIOSK),
                         timeout=TIMEOUT)
        assert r.status_code == second_kiosk_code
        sock.sendall(blob[10:])
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 201")
        sock.close()
        r = requests.put(f"{hub.url}{mine.url}/attachments/{d2}", data=b2, headers=kiosk_headers(), timeout=TIMEOUT)
        assert r.status_code == 201


def test_revoking_a_kiosk_takes_effect_on_the_running_hub(tmp_path, capsys):
    """A leaked token: revoked with the CLI while `python -m hub` runs, refused at the next request."""
    root = Path(__file__).resolve().parents[3]
    data = tmp_path / "hub"
    assert hub_main(["--data", str(data), "--kiosk", KIOSK, "--station", KIOSK]) == 0
    token = json.loads(capsys.readouterr().out)["token"]
    proc = subprocess.Popen([sys.executable, "-m", "hub", "--data", str(data), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(root)), cwd=root)
    try:
        url = proc.stdout.readline().split()[-1]
        headers = {"Authorization": f"Bearer {token}", "Kiosk-Id": KIOSK}

        def beat():
            return requests.post(f"{url}/v1/kiosks/{KIOSK}/heartbeat", json={}, headers=headers, timeout=TIMEOUT)

        assert beat().status_code == 204
        assert hub_main(["--data", str(data), "--revoke", KIOSK]) == 0
        assert "revoked" in capsys.readouterr().out
        assert beat().status_code == 401
        assert hub_main(["--data", str(data), "--station", KIOSK]) == 0
        headers["Authorization"] = f"Bearer {json.loads(capsys.readouterr().out)['token']}"
        assert beat().status_code == 204
    finally:
        proc.terminate()
        proc.wait(timeout=15)
