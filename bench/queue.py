"""Offline-queue benchmarks (run on demand: `python bench/queue.py [--quick] [flags]`).

1. Durable enqueue: N submissions of 3 attachments x 300 KB, sealing included, p50/p99
   latency and throughput, side by side with persist-queue's SQLiteAckQueue putting the same
   plaintext bytes. Both databases WAL + synchronous=FULL (checked). `--rounds` repeats it on
   fresh files and gives the median ratio (fsync times on a shared VM drift). Targets: p99 <= 20 ms,
   throughput >= 1.0x persist-queue.
2. Size: C enqueue -> deliver -> purge cycles over a steady backlog; the file (db + wal)
   must stay within 2x its live data.
3. Drain: D queued submissions to a hub on loopback by the sync daemon in its own process
   (`sync --once` code path); submissions/s and the daemon's peak RSS. Targets: >= 200/s,
   <= 120 MB. The hub is the reference hub (`hub.app`, durable SQLite, uvicorn) in its own
   process; `--hub standin` uses the test stand-in instead.
4. Recovery (`--only recovery`): 2,000 submissions (3 x 30 KB) queued during a one-hour
   outage, then the network returns to the reference hub on loopback; all must be delivered
   within 60 s of its return. The hour is simulated, not waited: the engine first runs
   against a closed port (real connection refusals) until its circuit is open, then the
   outage's effect on the queue is applied as an hour of such failures leaves it (each record
   attempted ~11 times, due 0-600 s from now: full jitter at the cap; the engine's circuit
   pause at its longest). Then the hub starts on that port.
5. Faults (`--only faults`): 300 submissions (3 x 30 KB) to the stand-in hub behind the
   tests' fault proxy, 50% of requests faulted (500 before/after the commit, resets
   before/after, 429 with Retry-After: 1), default settings; target <= 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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
from offline_queue.outbox import Outbox  # noqa: E402

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


def bench_enqueue(n: int, attach_bytes: int, workdir: Path, rounds: int) -> None:
    """Interleaved (one of ours, one of theirs, the order alternating): both see the same load.

    A shared VM's fsync times drift by tens of percent from minute to minute, so the run is
    split into `rounds`, each on fresh files; the ratio is given per round and as the median."""
    print(f"[enqueue] {rounds} rounds x {n} x (3 x {attach_bytes // 1000} KB), WAL + synchronous=FULL on both, interleaved")
    blobs = images(attach_bytes)
    _, public = generate_keypair()
    ours_all, theirs_all, ratios = [], [], []
    for r in range(rounds):
        ours, theirs = _enqueue_round(n, blobs, public, workdir / f"enqueue-{r}")
        ratios.append(sum(theirs) / sum(ours))
        ours_all += ours
        theirs_all += theirs
        print(f"  round {r + 1}: outbox {n / (sum(ours) / 1000):6.1f}/s, persist-queue {n / (sum(theirs) / 1000):6.1f}/s, ratio {ratios[-1]:.2f}x")
    total = n * rounds
    print(f"  outbox (sealed):      p50 {pct(ours_all, 50):6.2f} ms  p99 {pct(ours_all, 99):6.2f} ms  {total / (sum(ours_all) / 1000):7.1f}/s")
    print(f"  persist-queue (ack):  p50 {pct(theirs_all, 50):6.2f} ms  p99 {pct(theirs_all, 99):6.2f} ms  {total / (sum(theirs_all) / 1000):7.1f}/s")
    print(f"  throughput ratio outbox/persist-queue: median {statistics.median(ratios):.2f}x, rounds {min(ratios):.2f}-{max(ratios):.2f}x,"
          f" all {sum(theirs_all) / sum(ours_all):.2f}x  (target >= 1.0x; p99 target <= 20 ms)")


def _enqueue_round(n: int, blobs: list[bytes], public: str, workdir: Path) -> tuple[list[float], list[float]]:
    import persistqueue

    box = Outbox.open(workdir / "enqueue.sqlite3", Sealer(public, "bench"), min_free_bytes=0)
    assert box._db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    queue = persistqueue.SQLiteAckQueue(str(workdir / "persistqueue"), auto_commit=True, multithreading=False)
    queue._putter.execute("PRAGMA synchronous=FULL")
    assert queue._putter.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert queue._putter.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def put_ours(i: int) -> None:
        box.enqueue(submission(i, blobs))

    def put_theirs(i: int) -> None:
        queue.put({"receipt_number": f"B-{i:07d}", "payload": PAYLOAD, "attachments": blobs})

    times: dict[object, list[float]] = {put_ours: [], put_theirs: []}
    for i in range(n):
        for put in (put_ours, put_theirs) if i % 2 == 0 else (put_theirs, put_ours):
            t = time.perf_counter()
            put(i)
            times[put].append((time.perf_counter() - t) * 1000)
    box.close()
    queue.close()
    return times[put_ours], times[put_theirs]


def bench_size(cycles: int, backlog: int, attach_bytes: int, purge_every: int, workdir: Path) -> None:
    blobs = images(attach_bytes)
    _, public = generate_keypair()
    path = workdir / "size.sqlite3"
    box = Outbox.open(path, Sealer(public, "bench"), min_free_bytes=0, retention_days=0)

    def file_bytes(with_wal: bool = True) -> int:
        files = (path, path.with_name(path.name + "-wal")) if with_wal else (path,)
        return sum(p.stat().st_size for p in files if p.exists())

    def live_bytes() -> int:
        rows = box._db.conn.execute(
            "SELECT (SELECT COALESCE(SUM(LENGTH(sealed_payload)), 0) FROM submissions)"
            " + (SELECT COALESCE(SUM(size), 0) FROM attachments)"
        ).fetchall()  # fetchone() would leave the statement holding a WAL snapshot
        return rows[0][0]

    for i in range(backlog):
        box.enqueue(submission(i, blobs))
    worst = worst_db = 0.0
    started = time.perf_counter()
    for i in range(cycles):
        box.enqueue(submission(backlog + i, blobs))
        record = box.claim("bench")
        box.delivered(record, f"REF-{i}", None)
        if (i + 1) % purge_every == 0:
            box.purge()
        if i % 10 == 0:  # live data counts delivered rows until their purge
            live = live_bytes()
            worst = max(worst, file_bytes() / live)
            worst_db = max(worst_db, file_bytes(with_wal=False) / live)
    box.purge()
    final = file_bytes() / live_bytes()
    elapsed = time.perf_counter() - started
    print(f"[size] {cycles} enqueue->deliver->purge cycles, backlog {backlog}, 3 x {attach_bytes // 1000} KB, purge every {purge_every}")
    print(f"  file {file_bytes() / 1e6:.1f} MB for {live_bytes() / 1e6:.1f} MB live data: ratio {final:.2f}x at the end,"
          f" worst sampled every 10 cycles: {worst_db:.2f}x database file, {worst:.2f}x with its WAL (target <= 2x); {cycles / elapsed:.0f} cycles/s; integrity {box.integrity_check()}")
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
    from offline_queue.outbox import Outbox
    spec = json.loads(sys.argv[1])
    outbox = Outbox.open(spec["db"], Sealer(spec["public"], "bench"), min_free_bytes=0)
    settings = SyncSettings(base_url=spec["url"], token=spec["token"])
    started = time.perf_counter()
    SyncDaemon(SyncEngine(outbox, ServiceClient(settings), settings)).run_once(print_line=lambda line: print(line, file=sys.stderr))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"elapsed": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}))
    """
)


REFERENCE_HUB = textwrap.dedent(
    """
    import sys
    from hub.app import create_app
    from hub.server import serve
    db, private, durable = sys.argv[1:4]
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    app = create_app(db, private_key_b64=private, admin_token="bench-admin-token",
                     kiosk_tokens={"GZ-HZ-0001": "station-token"}, durable=durable == "1")
    serve(app, port=port, access_log=False)
    """
)


def _start_hub(workdir: Path, private: str, kind: str, durable: bool) -> tuple[subprocess.Popen, str]:
    """The reference hub or the test stand-in, in its own process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if kind == "reference":
        argv = [sys.executable, "-c", REFERENCE_HUB, str(workdir / "hub.sqlite3"), private, "1" if durable else "0"]
    else:
        argv = [sys.executable, "-c", HUB_STANDIN]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    port = int(line.rsplit(":", 1)[-1])
    return proc, f"http://127.0.0.1:{port}"


def bench_drain(n: int, attach_bytes: int, workdir: Path, hub_kind: str, durable: bool) -> None:
    blobs = images(attach_bytes)
    private, public = generate_keypair()
    db = workdir / "drain.sqlite3"
    box = Outbox.open(db, Sealer(public, "bench"), min_free_bytes=0)
    for i in range(n):
        box.enqueue(submission(i, blobs))
    box.close()
    hub, url = _start_hub(workdir, private, hub_kind, durable)
    try:
        spec = json.dumps({"db": str(db), "public": public, "url": url, "token": "station-token"})
        proc = subprocess.run([sys.executable, "-c", DAEMON, spec], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=3600)
        import psutil

        times = psutil.Process(hub.pid).cpu_times()
        hub_cpu = times.user + times.system
    finally:
        hub.kill()
        hub.wait()
    if proc.returncode != 0:
        print(f"[drain] daemon failed: {proc.stderr.strip()[-500:]}")
        return
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    rate = n / result["elapsed"]
    print(f"[drain] {n} queued submissions (3 x {attach_bytes // 1000} KB) to the {hub_kind} hub on loopback"
          + (f" (hub synchronous={'FULL' if durable else 'NORMAL'})" if hub_kind == "reference" else ""))
    print(f"  {rate:.0f} submissions/s (target >= 200), daemon peak RSS {result['maxrss_kb'] / 1024:.1f} MB (target <= 120)")
    print(f"  CPU seconds: sync daemon {result['cpu_s']:.1f}, hub {hub_cpu:.1f} (2 cores shared by both)")
    print(f"  {proc.stderr.strip().splitlines()[-1]}")


def _engine(outbox: Outbox, url: str):
    """The sync engine with the default settings (only the address and token are set)."""
    from offline_queue.client import ServiceClient
    from offline_queue.engine import SyncEngine
    from offline_queue.settings import SyncSettings

    settings = SyncSettings(base_url=url, token="station-token")
    return SyncEngine(outbox, ServiceClient(settings), settings)


def _run_daemon_until(engine, done, limit_s: float) -> float:
    """The daemon's loop (deliver, else wait until something is due) until `done()`; seconds."""
    from offline_queue.daemon import SyncDaemon

    daemon = SyncDaemon(engine)
    started = checked = time.monotonic()
    while time.monotonic() - started < limit_s:
        if time.monotonic() - checked > 0.5:  # counts() scans the queue: not after every record
            checked = time.monotonic()
            engine.flush()
            if done():
                break
        if engine.deliver_one() is None:
            engine.flush()
            if done():
                break
            daemon.stop.wait(min(0.5, daemon._idle_wait(time.monotonic())))
    engine.flush()
    return time.monotonic() - started


def bench_recovery(n: int, attach_bytes: int, workdir: Path) -> None:
    import random
    import socket

    from offline_queue.engine import CIRCUIT_PROBE_S

    blobs = images(attach_bytes)
    private, public = generate_keypair()
    box = Outbox.open(workdir / "recovery.sqlite3", Sealer(public, "bench"), min_free_bytes=0)
    for i in range(n):
        box.enqueue(submission(i, blobs))
    with socket.socket() as sock:  # a port nothing listens on: the outage
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = _engine(box, f"http://127.0.0.1:{port}")
    summary = engine.run_until_idle()  # real refusals until the circuit opens
    assert summary.unreachable, summary
    now = time.time()
    with box._db.write() as conn:  # what an hour of refusals leaves: every record at the cap
        conn.executemany(
            "UPDATE submissions SET attempts = 11, last_error = 'connection', network_retry = 1,"
            " next_attempt_ts = ? WHERE seq = ?",
            [(now + random.random() * engine.settings.backoff_cap_s, seq) for seq in range(1, n + 1)],
        )
    engine._transport_failures = 60  # the circuit after an hour: paused as long as it ever is
    engine._circuit_until = engine._monotonic() + CIRCUIT_PROBE_S  # the longest the circuit ever pauses
    hub = subprocess.Popen(
        [sys.executable, "-c", REFERENCE_HUB, str(workdir / "hub.sqlite3"), private, "1", str(port)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        hub.stdout.readline()  # listening: the network is back
        elapsed = _run_daemon_until(engine, lambda: box.counts().delivered == n, limit_s=600)
        delivered = box.counts().delivered
    finally:
        hub.kill()
        hub.wait()
        engine.close()
        box.close()
    print(f"[recovery] {n} submissions (3 x {attach_bytes // 1000} KB) queued during a simulated one-hour outage")
    print(f"  {delivered}/{n} delivered {elapsed:.1f} s after the network's return"
          f" (target: all within 60 s; while it is down the engine probes every <= {CIRCUIT_PROBE_S:.0f} s)")


def bench_faults(n: int, attach_bytes: int, workdir: Path) -> None:
    import random

    from tests.integration.queue import http_doubles as hd

    blobs = images(attach_bytes)
    _, public = generate_keypair()
    box = Outbox.open(workdir / "faults.sqlite3", Sealer(public, "bench"), min_free_bytes=0)
    for i in range(n):
        box.enqueue(submission(i, blobs))
    hub = hd.StandinHub().start()
    proxy = hd.FaultProxy(upstream=hub.url).start()
    kinds = (hd.BEFORE_500, hd.AFTER_500, hd.RESET_BEFORE, hd.RESET_AFTER, hd.THROTTLE)
    chooser = random.Random(7)
    proxy.add(hd.Fault("coin", lambda m, p: chooser.random() < 0.5, times=10**9))
    original_take = proxy.take

    def take(method: str, path: str):  # a fresh fault kind for each faulted request
        fault = original_take(method, path)
        if fault is None:
            return None
        kind = chooser.choice(kinds)
        return hd.Fault(kind, arg="1" if kind == hd.THROTTLE else None)

    proxy.take = take
    engine = _engine(box, proxy.url)
    try:
        elapsed = _run_daemon_until(engine, lambda: box.counts().delivered == n, limit_s=900)
        delivered, requests = box.counts().delivered, len(proxy.applied)
        exactly_once = len(hub.submissions) == delivered
    finally:
        engine.close()
        proxy.stop()
        hub.stop()
        box.close()
    print(f"[faults] {n} submissions (3 x {attach_bytes // 1000} KB), 50% of requests faulted ({', '.join(kinds)}), default settings")
    print(f"  {delivered}/{n} delivered in {elapsed:.1f} s (target <= 300 s); {requests} faults injected;"
          f" each at the hub once: {exactly_once}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run in seconds")
    parser.add_argument("--enqueue", type=int, default=1000, help="enqueue benchmark: submissions (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="enqueue benchmark: rounds on fresh files (default 5)")
    parser.add_argument("--attach-bytes", type=int, default=300_000, help="enqueue benchmark: bytes per attachment")
    parser.add_argument("--cycles", type=int, default=10_000, help="size benchmark: cycles (default 10000)")
    parser.add_argument("--backlog", type=int, default=50, help="size benchmark: records kept live")
    parser.add_argument("--size-attach-bytes", type=int, default=30_000, help="size benchmark: bytes per attachment")
    parser.add_argument("--purge-every", type=int, default=100, help="size benchmark: cycles between purges")
    parser.add_argument("--drain", type=int, default=10_000, help="drain benchmark: submissions (default 10000)")
    parser.add_argument("--drain-attach-bytes", type=int, default=3_000, help="drain benchmark: bytes per attachment")
    parser.add_argument("--hub", choices=("reference", "standin"), default="reference", help="drain benchmark: which hub")
    parser.add_argument("--hub-fast", action="store_true", help="drain benchmark: reference hub with synchronous=NORMAL")
    parser.add_argument("--recovery", type=int, default=2000, help="recovery benchmark: submissions (default 2000)")
    parser.add_argument("--faults", type=int, default=300, help="faults benchmark: submissions (default 300)")
    parser.add_argument("--only", choices=("enqueue", "size", "drain", "recovery", "faults"), help="run one benchmark")
    args = parser.parse_args()
    if args.quick:
        args.enqueue, args.rounds, args.cycles, args.drain = 100, 1, 1000, 1000
    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    try:
        if args.only in (None, "enqueue"):
            bench_enqueue(args.enqueue, args.attach_bytes, workdir, args.rounds)
        if args.only in (None, "size"):
            bench_size(args.cycles, args.backlog, args.size_attach_bytes, args.purge_every, workdir)
        if args.only in (None, "drain"):
            bench_drain(args.drain, args.drain_attach_bytes, workdir, args.hub, not args.hub_fast)
        if args.only in (None, "recovery"):
            bench_recovery(args.recovery, 30_000, workdir)
        if args.only in (None, "faults"):
            bench_faults(args.faults, 30_000, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
