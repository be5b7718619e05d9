"""Reference hub over loopback HTTP: `python bench/hub.py [--mode throughput|memory|slow] [--n 300]`.

`throughput` (default): delivers fresh submissions (sealed like a station seals them) to a hub
served by uvicorn on a free port, one keep-alive client as the sync daemon uses, and prints
submissions/s for durable (synchronous=FULL) and non-durable hubs, without and with
attachments, plus ratios. Client and server share this process (and its GIL), so the figures
are a lower bound.

`memory` and `slow` run the hub as it is deployed, `python -m hub` in its own process on
127.0.0.1, and watch it with psutil (issue 12 finding 6):
- `memory`: 30 kiosks each upload one 16 MiB attachment at the same instant; prints the hub's
  peak RSS (target <= 300 MB; it was 1.46 GB when uploads were held in memory).
- `slow`: 1,000 connections send a request line and then one header line every 10 s; prints
  /healthz latency (fresh connection each time) while they are open (target <= 1 s; 1,100 made
  the hub unreachable before) and how many of them the hub's header deadline cut.
Both stop by themselves within about a minute and talk to 127.0.0.1 only.

`fleet` (issue 17): a province's fleet against each engine (SQLite, then PostgreSQL in a
throwaway cluster with fsync on, `tests.support.pg_cluster`): the hub in its own process
(forked, uvicorn on a free loopback port, durable), 5,000 simulated stations each sending a
heartbeat every 30 s (spread evenly: ~167/s) plus a stream of submissions (`--rate`, 5/s),
for `--seconds` (30: one round of every station), from `--clients` keep-alive connections.
Prints sustained heartbeats/s and submissions/s with p50/p99 latency, then the console
overview's server time with 5,000 stations (median and max of 5 GETs; target <= 300 ms).
Bounded: stops after `--seconds` plus at most 30 s of draining; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

import psutil  # noqa: E402
import requests  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.server import ServerLimits, running  # noqa: E402
from hub.settings import issue_token, load_or_init  # noqa: E402
from offline_queue.sealing import Sealer, generate_keypair  # noqa: E402

KIOSK, TOKEN = "GZ-HZ-0001", "bench-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Kiosk-Id": KIOSK}
ROOT = Path(__file__).resolve().parent.parent
UPLOADS, UPLOAD_BYTES = 30, 16 * 1024 * 1024
SLOW_CONNECTIONS, SLOW_LINE_EVERY_S, SLOW_WATCH_S = 1000, 10.0, 25.0
HEADER_DEADLINE_S = ServerLimits().header_timeout_s


def submissions(sealer: Sealer, n: int, attachments: int, size: int) -> list[tuple[dict, dict[str, bytes]]]:
    out = []
    for _ in range(n):
        blobs = {}
        refs = []
        for i in range(attachments):
            blob = sealer.seal(os.urandom(size))
            digest = hashlib.sha256(blob).hexdigest()
            blobs[digest] = blob
            refs.append({"sha256": digest, "size": len(blob), "role": f"doc-{i}"})
        body = {
            "submission_id": str(uuid.uuid4()), "kiosk_id": KIOSK, "service_code": "BENCH-01",
            "catalog_version": 1, "created_at": "2026-11-23T09:00:00Z", "receipt_number": "440105-0001-000001",
            "attachments": refs,
            "sealed": sealer.envelope(json.dumps({"name": "测试", "id_number": "11010519491231002X"}).encode()),
        }
        out.append((body, blobs))
    return out


def run(durable: bool, n: int, attachments: int, size: int) -> float:
    private, public = generate_keypair()
    sealer = Sealer(public, "bench")
    work = submissions(sealer, n, attachments, size)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp) / "hub.sqlite3", private_key_b64=private, admin_token="bench-admin-token-0123",
                         kiosk_tokens={KIOSK: TOKEN}, durable=durable)
        with running(app) as hub, requests.Session() as session:
            start = time.perf_counter()
            for body, blobs in work:
                url = f"{hub.url}/v1/submissions/{body['submission_id']}"
                for digest, blob in blobs.items():
                    assert session.put(f"{url}/attachments/{digest}", data=blob, headers=HEADERS, timeout=30).status_code == 201
                assert session.put(url, json=body, headers=HEADERS, timeout=30).status_code == 201
            return n / (time.perf_counter() - start)


@contextmanager
def hub_process(data: Path, kiosks: list[str]):
    """`python -m hub` on a free loopback port: (base URL, psutil.Process, {kiosk: token})."""
    load_or_init(data, kiosk_ids=tuple(kiosks))
    tokens = {k: issue_token(data, k) for k in kiosks}
    proc = subprocess.Popen([sys.executable, "-m", "hub", "--data", str(data), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        url = proc.stdout.readline().split()[-1]
        yield url, psutil.Process(proc.pid), tokens
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def memory() -> None:
    kiosks = [f"BENCH-{i:04d}" for i in range(UPLOADS)]
    blob = os.urandom(UPLOAD_BYTES)
    digest = hashlib.sha256(blob).hexdigest()
    with tempfile.TemporaryDirectory() as tmp, hub_process(Path(tmp), kiosks) as (url, proc, tokens):
        baseline = proc.memory_info().rss
        peak = baseline
        barrier = threading.Barrier(UPLOADS)
        codes: list[int] = []

        def upload(kiosk: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[kiosk]}", "Kiosk-Id": kiosk}
            barrier.wait(timeout=30)
            r = requests.put(f"{url}/v1/submissions/{uuid.uuid4()}/attachments/{digest}", data=blob,
                             headers=headers, timeout=(5, 120))
            codes.append(r.status_code)

        threads = [threading.Thread(target=upload, args=(k,)) for k in kiosks]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.01)
        for t in threads:
            t.join()
        after = proc.memory_info().rss
    print(f"memory: {UPLOADS} concurrent uploads of {UPLOAD_BYTES >> 20} MiB: codes {sorted(set(codes))} "
          f"(201 x {codes.count(201)}); hub RSS baseline {baseline / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB "
          f"(target <= 300 MB), after {after / 1e6:.0f} MB")


def _still_open(sock: socket.socket) -> bool:
    """False once the peer closed (reading would give EOF or a reset)."""
    try:
        return sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def slow() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory() as tmp, hub_process(Path(tmp), [KIOSK]) as (url, proc, _):
        port = int(url.rsplit(":", 1)[1])
        slow_socks = []
        first_opened = time.monotonic()
        for _ in range(SLOW_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow_socks.append(sock)
        opened = time.monotonic()
        latencies: list[float] = []
        next_line = opened + SLOW_LINE_EVERY_S
        while time.monotonic() - opened < SLOW_WATCH_S:
            start = time.perf_counter()
            try:
                ok = requests.get(f"{url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - start if ok else float("inf")
            if time.monotonic() - first_opened < HEADER_DEADLINE_S - 0.5:  # none can have been cut yet
                latencies.append(elapsed)
            if time.monotonic() >= next_line:
                next_line += SLOW_LINE_EVERY_S
                for sock in slow_socks:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
            time.sleep(0.25)
        alive = sum(1 for sock in slow_socks if _still_open(sock))
        for sock in slow_socks:
            sock.close()
    print(f"slow: {SLOW_CONNECTIONS} connections trickling one header line every {SLOW_LINE_EVERY_S:.0f} s: "
          f"/healthz while all were open: median {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} requests (target <= 1 s); "
          f"still held by the hub after {SLOW_WATCH_S:.0f} s: {alive} of {SLOW_CONNECTIONS}")


FLEET_STATIONS, BEAT_EVERY_S = 5000, 30.0
CONSOLE_PASSWORD = "bench-console-password"


def _station_ids(n: int) -> list[str]:
    cities = ("GZ", "SZ", "ZH", "FS", "DG")
    return [f"{cities[i % len(cities)]}-B{i // 1000:02d}-{i:05d}" for i in range(n)]


def _beat_body(i: int) -> dict:
    degraded = i % 50 == 0
    return {
        "software_version": "1.4.0", "catalog_region": "440105", "catalog_version": 7, "queue_depth": i % 4,
        "oldest_pending_age_s": 12.0 if i % 4 else None, "quarantined": 0, "free_disk_bytes": 20_000_000_000,
        "uptime_s": 86_400.0,
        "devices": {"printer": {"state": "degraded" if degraded else "ok", "detail": {"paper": "low" if degraded else "ok"}},
                    "card_reader": {"state": "ok"}, "camera": {"state": "ok"}},
        "catalogs": [{"region": "440105", "version": 7, "state": "active"}],
        "audit_head": {"seq": i, "hash": hashlib.sha256(str(i).encode()).hexdigest()},
    }


def _serve_fleet_hub(database: str, attachments: str, port: int, private: str, tokens: dict[str, str]) -> None:
    """The child process: one durable hub with the console, on 127.0.0.1:port."""
    from hub.console.config import ConsoleConfig
    from hub.console.passwords import hash_password
    from hub.server import serve

    app = create_app(database, attachments_dir=Path(attachments), private_key_b64=private,
                     admin_token="bench-admin-token-0123", kiosk_tokens=tokens,
                     console=ConsoleConfig(admins={"bench": hash_password(CONSOLE_PASSWORD)}))
    serve(app, "127.0.0.1", port, access_log=False)


def _percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def fleet_run(engine: str, database: str, tmp: Path, seconds: float, rate: float, clients: int) -> None:
    import multiprocessing

    stations = _station_ids(FLEET_STATIONS)
    tokens = {k: f"bench-token-{i:06d}-abcdef" for i, k in enumerate(stations)}
    private, public = generate_keypair()
    sealer = Sealer(public, "bench")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = multiprocessing.get_context("fork").Process(
        target=_serve_fleet_hub, args=(database, str(tmp / "attachments"), port, private, tokens), daemon=True)
    child.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or not child.is_alive():
                raise RuntimeError(f"{engine}: the hub did not start")
            time.sleep(0.1)
        beat_lat: list[float] = []
        sub_lat: list[float] = []
        errors: list[int] = []
        start = time.monotonic() + 0.5
        n_beats = int(FLEET_STATIONS * seconds / BEAT_EVERY_S)
        n_subs = int(rate * seconds)
        lock = threading.Lock()

        def beats(worker: int) -> None:
            with requests.Session() as session:
                for j in range(worker, n_beats, clients):
                    i = j % FLEET_STATIONS
                    due = start + j * BEAT_EVERY_S / FLEET_STATIONS
                    time.sleep(max(0.0, due - time.monotonic()))
                    kiosk = stations[i]
                    t0 = time.perf_counter()
                    r = session.post(f"{url}/v1/kiosks/{kiosk}/heartbeat", json=_beat_body(i), timeout=30,
                                     headers={"Authorization": f"Bearer {tokens[kiosk]}", "Kiosk-Id": kiosk})
                    with lock:
                        (beat_lat.append(time.perf_counter() - t0) if r.status_code == 204 else errors.append(r.status_code))

        def subs() -> None:
            with requests.Session() as session:
                for j in range(n_subs):
                    time.sleep(max(0.0, start + j / rate - time.monotonic()))
                    kiosk = stations[(j * 7) % FLEET_STATIONS]
                    body = {"submission_id": str(uuid.uuid4()), "kiosk_id": kiosk, "service_code": "BENCH-01",
                            "catalog_version": 7, "created_at": "2026-11-23T09:00:00Z",
                            "receipt_number": "440105-0001-000001", "attachments": [],
                            "sealed": sealer.envelope(b'{"name": "bench"}')}
                    t0 = time.perf_counter()
                    r = session.put(f"{url}/v1/submissions/{body['submission_id']}", json=body, timeout=30,
                                    headers={"Authorization": f"Bearer {tokens[kiosk]}", "Kiosk-Id": kiosk})
                    with lock:
                        (sub_lat.append(time.perf_counter() - t0) if r.status_code == 201 else errors.append(r.status_code))

        threads = [threading.Thread(target=beats, args=(w,)) for w in range(clients)] + [threading.Thread(target=subs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 30)
        elapsed = time.monotonic() - start
        print(f"{engine:>10}: {len(beat_lat) / elapsed:6.1f} heartbeats/s (p50 {_percentile(beat_lat, 0.5) * 1000:.1f} ms,"
              f" p99 {_percentile(beat_lat, 0.99) * 1000:.1f} ms) | {len(sub_lat) / elapsed:5.1f} submissions/s"
              f" (p50 {_percentile(sub_lat, 0.5) * 1000:.1f} ms, p99 {_percentile(sub_lat, 0.99) * 1000:.1f} ms)"
              f" | {len(errors)} errors {sorted(set(errors))} | {elapsed:.0f} s, {clients} clients")
        for i, kiosk in enumerate(stations[n_beats:], start=n_beats):  # every station has reported once
            requests.post(f"{url}/v1/kiosks/{kiosk}/heartbeat", json=_beat_body(i), timeout=30,
                          headers={"Authorization": f"Bearer {tokens[kiosk]}", "Kiosk-Id": kiosk})
        with requests.Session() as admin:
            page = admin.get(f"{url}/console/login", timeout=30).text
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            admin.post(f"{url}/console/login", data={"csrf": csrf, "name": "bench", "password": CONSOLE_PASSWORD},
                       timeout=30)
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                r = admin.get(f"{url}/console", timeout=30)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200 and r.text.count('<tr id="station-') == 100, "overview incomplete"
                counts = re.findall(r'id="count-[a-z]+">[^<]*<b>(\d+)</b>', r.text)
                assert sum(map(int, counts)) == FLEET_STATIONS, counts
        print(f"{engine:>10}: overview of {FLEET_STATIONS} stations (first page of 100, {len(r.content) / 1e3:.0f} kB):"
              f" median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms (target <= 300 ms)")
    finally:
        child.terminate()
        child.join(timeout=30)


def fleet_mode(seconds: float, rate: float, clients: int) -> None:
    from tests.support.pg_cluster import PgCluster

    with tempfile.TemporaryDirectory() as tmp:
        fleet_run("sqlite", str(Path(tmp) / "hub.sqlite3"), Path(tmp), seconds, rate, clients)
    with tempfile.TemporaryDirectory() as tmp, PgCluster(fsync=True) as cluster:
        fleet_run("postgresql", cluster.create_database("fleet"), Path(tmp), seconds, rate, clients)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("throughput", "memory", "slow", "fleet"), default="throughput")
    parser.add_argument("--seconds", type=float, default=30.0, help="fleet: how long the load runs (max 300)")
    parser.add_argument("--rate", type=float, default=5.0, help="fleet: submissions per second (max 100)")
    parser.add_argument("--clients", type=int, default=16, help="fleet: heartbeat connections (max 64)")
    parser.add_argument("--n", type=int, default=300, help="submissions per run (attachment runs use n/3)")
    args = parser.parse_args()
    if args.mode == "memory":
        memory()
        return 0
    if args.mode == "slow":
        slow()
        return 0
    if args.mode == "fleet":
        if not (0 < args.seconds <= 300 and 0 < args.rate <= 100 and 0 < args.clients <= 64):
            parser.error("--seconds 0-300, --rate 0-100, --clients 1-64")
        fleet_mode(args.seconds, args.rate, args.clients)
        return 0
    cases = [("no attachments", args.n, 0, 0), ("3 x 300 KB attachments", max(1, args.n // 3), 3, 300_000)]
    for label, n, attachments, size in cases:
        full = run(True, n, attachments, size)
        normal = run(False, n, attachments, size)
        print(f"{label:>24}: durable {full:7.0f} submissions/s | synchronous=NORMAL {normal:7.0f}/s"
              f" | ratio NORMAL/FULL {normal / full:4.2f}  (n={n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
