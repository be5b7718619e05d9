"""Offline-queue benchmarks (run on demand: `python bench/queue.py [--quick] [flags]`).

1. Durable enqueue: N submissions of 3 attachments x 300 KB, sealing included, p50/p99
   latency and throughput, side by side with persist-queue's SQLiteAckQueue putting the same
   plaintext bytes. Both databases WAL + synchronous=FULL (checked). Targets: p99 <= 20 ms,
   throughput >= 1.0x persist-queue.
2. Size: C enqueue -> deliver -> purge cycles over a steady backlog; the file (db + wal)
   must stay within 2x its live data.
3. Drain: D queued submissions to a hub on loopback by the sync daemon in its own process
   (`sync --once` code path); submissions/s and the daemon's peak RSS. Targets: >= 200/s,
   <= 120 MB. The hub is the reference hub (`hub.app`) when it is importable, else the test
   stand-in; either runs in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the stdlib's `queue`, which concurrent.futures imports: take the
# script's own folder off the path so `import queue` finds the stdlib.
sys.path[0] = str(ROOT)  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

from offline_queue.api import NewAttachment, NewSubmission  # noqa: E402
from offline_queue.sealing import Sealer, generate_keypair  # noqa: E402
from offline_queue.store import Outbox  # noqa: E402

PAYLOAD = {"identity": {"name": "测试基准", "id_number": "440105199001010000"}, "form": {"phone": "13800000000"}}


ROLES = ("id-front", "id-back", "document")


def images(attach_bytes: int) -> list[bytes]:
    """Three distinct incompressible "images" (distinct objects: pickle would store a repeat once)."""
    return [os.urandom(attach_bytes) for _ in ROLES]


def submission(n: int, blobs: list[bytes]) -> NewSubmission:
    return NewSubmission(
        service_code="BENCH",
        catalog_version=1,
        receipt_number=f"B-{n:07d}",
        payload=PAYLOAD,
        attachments=tuple(NewAttachment(role, blob) for role, blob in zip(ROLES, blobs, strict=True)),
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_enqueue(n: int, attach_bytes: int, workdir: Path) -> None:
    """Interleaved (one of ours, one of theirs): on a shared machine both see the same load."""
    import persistqueue

    blobs = images(attach_bytes)
    _, public = generate_keypair()
    box = Outbox.open(workdir / "enqueue.sqlite3", Sealer(public, "bench"), min_free_bytes=0)
    assert box._db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    queue = persistqueue.SQLiteAckQueue(str(workdir / "persistqueue"), auto_commit=True, multithreading=False)
    queue._putter.execute("PRAGMA synchronous=FULL")
    assert queue._putter.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert queue._putter.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ours, theirs = [], []
    for i in range(n):
        t = time.perf_counter()
        box.enqueue(submission(i, blobs))
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        queue.put({"receipt_number": f"B-{i:07d}", "payload": PAYLOAD, "attachments": blobs})
        theirs.append((time.perf_counter() - t) * 1000)
    box.close()
    queue.close()
    rate_ours, rate_theirs = n / (sum(ours) / 1000), n / (sum(theirs) / 1000)
    print(f"[enqueue] {n} x (3 x {attach_bytes // 1000} KB), WAL + synchronous=FULL on both, interleaved")
    print(f"  outbox (sealed):      p50 {pct(ours, 50):6.2f} ms  p99 {pct(ours, 99):6.2f} ms  {rate_ours:7.1f}/s")
    print(f"  persist-queue (ack):  p50 {pct(theirs, 50):6.2f} ms  p99 {pct(theirs, 99):6.2f} ms  {rate_theirs:7.1f}/s")
    print(f"  throughput ratio outbox/persist-queue: {rate_ours / rate_theirs:.2f}x  (target >= 1.0x; p99 target <= 20 ms)")


def bench_size(cycles: int, backlog: int, attach_bytes: int, purge_every: int, workdir: Path) -> None:
    blobs = images(attach_bytes)
    _, public = generate_keypair()
    path = workdir / "size.sqlite3"
    box = Outbox.open(path, Sealer(public, "bench"), min_free_bytes=0, retention_days=0)

    def file_bytes() -> int:
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    def live_bytes() -> int:
        row = box._db.conn.execute(
            "SELECT (SELECT COALESCE(SUM(LENGTH(sealed_payload)), 0) FROM submissions)"
            " + (SELECT COALESCE(SUM(size), 0) FROM attachments)"
        ).fetchone()
        return row[0]

    for i in range(backlog):
        box.enqueue(submission(i, blobs))
    worst = 0.0
    started = time.perf_counter()
    for i in range(cycles):
        box.enqueue(submission(backlog + i, blobs))
        record = box.claim("bench")
        box.delivered(record, f"REF-{i}", None)
        if (i + 1) % purge_every == 0:
            box.purge()
            worst = max(worst, file_bytes() / live_bytes())
    box.purge()
    final = file_bytes() / live_bytes()
    elapsed = time.perf_counter() - started
    print(f"[size] {cycles} enqueue->deliver->purge cycles, backlog {backlog}, 3 x {attach_bytes // 1000} KB, purge every {purge_every}")
    print(f"  file {file_bytes() / 1e6:.1f} MB for {live_bytes() / 1e6:.1f} MB live data: ratio {final:.2f}x at the end,"
          f" worst {worst:.2f}x after a purge (target <= 2x); {cycles / elapsed:.0f} cycles/s; integrity {box.integrity_check()}")
    box.close()


HUB_STANDIN = textwrap.dedent(
    """
    import sys, time
    from tests.integration.queue.http_doubles import StandinHub
    hub = StandinHub()
    hub.start()
    print(hub.port, flush=True)
    sys.stdin.read()
    """
)

DAEMON = textwrap.dedent(
    """
    import json, resource, sys, time
    from offline_queue.client import ServiceClient
    from offline_queue.daemon import SyncDaemon
    from offline_queue.engine import SyncEngine
    from offline_queue.sealing import Sealer
    from offline_queue.settings import SyncSettings
    from offline_queue.store import Outbox
    spec = json.loads(sys.argv[1])
    outbox = Outbox.open(spec["db"], Sealer(spec["public"], "bench"), min_free_bytes=0)
    settings = SyncSettings(base_url=spec["url"], token=spec["token"])
    started = time.perf_counter()
    SyncDaemon(SyncEngine(outbox, ServiceClient(settings), settings)).run_once(print_line=lambda line: print(line, file=sys.stderr))
    print(json.dumps({"elapsed": time.perf_counter() - started, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_hub(workdir: Path, private: str) -> tuple[subprocess.Popen, str, str, str]:
    """The reference hub if it is on this branch, else the stand-in. Returns (proc, url, token, kind)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if (ROOT / "hub" / "app.py").exists() and (ROOT / "run_kiosk.py").exists():
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run_kiosk.py"), "hub", "--port", str(port)],
            cwd=workdir, env={**env, "HUB_PRIVATE_KEY": private}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc, f"http://127.0.0.1:{port}", os.environ.get("HUB_TOKEN", "station-token"), "reference hub"
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        proc.kill()
    proc = subprocess.Popen([sys.executable, "-c", HUB_STANDIN], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}", "station-token", "stand-in hub (tests/integration/queue/http_doubles.py)"


def bench_drain(n: int, attach_bytes: int, workdir: Path) -> None:
    blobs = images(attach_bytes)
    private, public = generate_keypair()
    db = workdir / "drain.sqlite3"
    box = Outbox.open(db, Sealer(public, "bench"), min_free_bytes=0)
    for i in range(n):
        box.enqueue(submission(i, blobs))
    box.close()
    hub, url, token, kind = _start_hub(workdir, private)
    try:
        spec = json.dumps({"db": str(db), "public": public, "url": url, "token": token})
        proc = subprocess.run([sys.executable, "-c", DAEMON, spec], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=3600)
    finally:
        hub.kill()
        hub.wait()
    if proc.returncode != 0:
        print(f"[drain] daemon failed: {proc.stderr.strip()[-500:]}")
        return
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    rate = n / result["elapsed"]
    print(f"[drain] {n} queued submissions (3 x {attach_bytes // 1000} KB) to the {kind} on loopback")
    print(f"  {rate:.0f} submissions/s (target >= 200), daemon peak RSS {result['maxrss_kb'] / 1024:.1f} MB (target <= 120)")
    print(f"  {proc.stderr.strip().splitlines()[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run in seconds")
    parser.add_argument("--enqueue", type=int, default=1000, help="enqueue benchmark: submissions (default 1000)")
    parser.add_argument("--attach-bytes", type=int, default=300_000, help="enqueue benchmark: bytes per attachment")
    parser.add_argument("--cycles", type=int, default=10_000, help="size benchmark: cycles (default 10000)")
    parser.add_argument("--backlog", type=int, default=50, help="size benchmark: records kept live")
    parser.add_argument("--size-attach-bytes", type=int, default=30_000, help="size benchmark: bytes per attachment")
    parser.add_argument("--purge-every", type=int, default=100, help="size benchmark: cycles between purges")
    parser.add_argument("--drain", type=int, default=10_000, help="drain benchmark: submissions (default 10000)")
    parser.add_argument("--drain-attach-bytes", type=int, default=3_000, help="drain benchmark: bytes per attachment")
    parser.add_argument("--only", choices=("enqueue", "size", "drain"), help="run one benchmark")
    args = parser.parse_args()
    if args.quick:
        args.enqueue, args.cycles, args.drain = 100, 1000, 1000
    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    try:
        if args.only in (None, "enqueue"):
            bench_enqueue(args.enqueue, args.attach_bytes, workdir)
        if args.only in (None, "size"):
            bench_size(args.cycles, args.backlog, args.size_attach_bytes, args.purge_every, workdir)
        if args.only in (None, "drain"):
            bench_drain(args.drain, args.drain_attach_bytes, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
