"""The hub over real HTTP on loopback: concurrency of idempotent PUTs, the catalog CLI end to
end, and `python -m hub` as a process (start, serve, SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from hub.cli import main as hub_main
from tests.unit.catalog.test_catalog_cli import DATA, run
from tests.unit.hub.conftest import ADMIN, ADMIN_TOKEN, build_submission, kiosk_headers

pytestmark = pytest.mark.realstack
H = kiosk_headers()
THREADS = 12
TIMEOUT = (5, 30)


def hammer(n, func):
    """Run `func(i)` in n threads released at the same instant; return the results."""
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait(timeout=10)
        return func(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def admin_submissions(hub):
    return requests.get(f"{hub.url}/v1/admin/submissions", headers=ADMIN, timeout=TIMEOUT).json()["submissions"]


def test_concurrent_identical_puts_give_one_201_and_identical_200s(live_hub, keys):
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    attach_url = f"{live_hub.url}{sub.url}/attachments/{digest}"
    codes = hammer(THREADS, lambda i: requests.put(attach_url, data=blob, headers=H, timeout=TIMEOUT).status_code)
    assert sorted(codes) == [200] * (THREADS - 1) + [201]

    responses = hammer(
        THREADS, lambda i: requests.put(f"{live_hub.url}{sub.url}", json=sub.body, headers=H, timeout=TIMEOUT)
    )
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert len({r.content for r in responses}) == 1
    assert [s["submission_id"] for s in admin_submissions(live_hub)] == [sub.id]


def test_concurrent_different_contents_one_wins_the_rest_conflict(live_hub, keys):
    """Bad input: the same id PUT at once with THREADS different receipt numbers."""
    sub = build_submission(keys, n_attachments=0)

    def put(i):
        body = dict(sub.body, receipt_number=f"440105-0001-{i:06d}")
        return requests.put(f"{live_hub.url}{sub.url}", json=body, headers=H, timeout=TIMEOUT).status_code

    assert sorted(hammer(THREADS, put)) == [201] + [409] * (THREADS - 1)
    assert len(admin_submissions(live_hub)) == 1


def test_many_submissions_in_parallel_each_stored_once(live_hub, keys):
    subs = [build_submission(keys, n_attachments=2) for _ in range(20)]

    def deliver(i):
        sub = subs[i % len(subs)]
        with requests.Session() as s:
            for digest, blob in sub.attachments.items():
                s.put(f"{live_hub.url}{sub.url}/attachments/{digest}", data=blob, headers=H, timeout=TIMEOUT)
            return s.put(f"{live_hub.url}{sub.url}", json=sub.body, headers=H, timeout=TIMEOUT).status_code

    codes = hammer(40, deliver)  # every submission delivered twice, concurrently
    assert sorted(codes) == [200] * 20 + [201] * 20
    stored = admin_submissions(live_hub)
    assert sorted(s["submission_id"] for s in stored) == sorted(s.id for s in subs)
    assert len({s["reference"] for s in stored}) == 20


def test_catalog_cli_publish_against_the_live_hub(live_hub, keys, tmp_path, capsys, monkeypatch):
    key_file = tmp_path / "admin.key"
    key_file.write_text(json.dumps({"key_id": keys.signing_key_id, "private_key": keys.signing_private}))
    bundle = tmp_path / "bundle.json"
    assert run("sign", str(DATA), "--key", str(key_file), "--out", str(bundle)) == 0
    assert run("publish", str(bundle), "--url", live_hub.url, "--token", ADMIN_TOKEN) == 0
    assert "published region 440105 version 7" in capsys.readouterr().out

    pulled = requests.get(f"{live_hub.url}/v1/catalog", params={"region": "440105"}, headers=H, timeout=TIMEOUT)
    assert pulled.status_code == 200 and pulled.json() == json.loads(bundle.read_text())
    etag = pulled.headers["ETag"]
    again = requests.get(f"{live_hub.url}/v1/catalog", params={"region": "440105"},
                         headers={**H, "If-None-Match": etag}, timeout=TIMEOUT)
    assert again.status_code == 304

    # Replaying the same bundle: refused as not newer.
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", ADMIN_TOKEN)
    assert run("publish", str(bundle), "--url", live_hub.url) == 1
    assert "version not higher than the current 7" in capsys.readouterr().err


def test_catalog_cli_publish_refusals(live_hub, tmp_path, capsys):
    """Bad input: a wrong admin token; a bundle signed by a key the hub does not trust; no hub."""
    key_file = tmp_path / "rogue.key"
    assert run("keygen", "--key-id", "rogue", "--out", str(key_file)) == 0
    bundle = tmp_path / "bundle.json"
    assert run("sign", str(DATA), "--key", str(key_file), "--out", str(bundle)) == 0
    capsys.readouterr()
    assert run("publish", str(bundle), "--url", live_hub.url, "--token", "wrong") == 1
    assert "admin token not accepted (HTTP 401)" in capsys.readouterr().err
    assert run("publish", str(bundle), "--url", live_hub.url, "--token", ADMIN_TOKEN) == 1
    assert "refused: HTTP 400 unknown_key" in capsys.readouterr().err
    assert run("publish", str(bundle), "--url", "http://127.0.0.1:9", "--token", ADMIN_TOKEN) == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err


def test_python_m_hub_serves_and_stops_cleanly_on_sigterm(tmp_path, capsys):
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, PYTHONPATH=str(root))
    assert hub_main(["--data", str(tmp_path / "hub"), "--station", "GZ-HZ-0001"]) == 0
    token = json.loads(capsys.readouterr().out)["token"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "--data", str(tmp_path / "hub"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("hub listening on http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[-1]
        assert requests.get(f"{url}/healthz", timeout=TIMEOUT).json() == {"status": "ok"}
        r = requests.post(f"{url}/v1/kiosks/GZ-HZ-0001/heartbeat", json={"queue_depth": 0},
                          headers={"Authorization": f"Bearer {token}", "Kiosk-Id": "GZ-HZ-0001"}, timeout=TIMEOUT)
        assert r.status_code == 204
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "hub" / "hub.sqlite3").exists()
    assert oct((tmp_path / "hub" / "hub.json").stat().st_mode & 0o777) == "0o600"


def test_served_sockets_are_tcp_so_asyncio_disables_nagle():
    """Regression guard: with proto 0 asyncio skips TCP_NODELAY and each response stalls ~40 ms."""
    import socket

    from hub.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
