"""Technician/fleet figures: audit append and verify rates, metrics rendering, argon2 cost.

Run: python bench/tech.py   (from the project root; prints figures and ratios)
Peers: the audit append is compared with a plain SQLite INSERT at the same durability
(WAL + synchronous=FULL), to show what the hash chain and head file cost on top.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

from argon2 import PasswordHasher  # noqa: E402

from kiosk.health.metrics import StationMetrics  # noqa: E402
from kiosk.health.supervisor import DeviceState, Reading, Supervisor  # noqa: E402
from kiosk.technician.credentials import Credentials, hash_badge_uid  # noqa: E402
from offline_queue.api import QueueCounts  # noqa: E402
from offline_queue.audit import AuditTrail, verify_database  # noqa: E402

N = 500


def bench_audit(tmp: Path) -> None:
    with AuditTrail(tmp / "audit.sqlite3") as trail:
        started = time.perf_counter()
        for i in range(N):
            trail.append("technician", "queue_retry", {"count": i})
        chained = time.perf_counter() - started
    started = time.perf_counter()
    assert verify_database(tmp / "audit.sqlite3").ok
    verify = time.perf_counter() - started

    db = sqlite3.connect(tmp / "plain.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, detail TEXT)")
    started = time.perf_counter()
    for i in range(N):
        db.execute("INSERT INTO t (detail) VALUES (?)", (f'{{"count":{i}}}',))
    plain = time.perf_counter() - started
    db.close()
    print(f"audit append (chained, head file): {N / chained:8.0f} records/s")
    print(f"plain SQLite insert, same pragmas: {N / plain:8.0f} records/s  (chain costs x{chained / plain:.1f})")
    print(f"audit verify:                      {N / verify:8.0f} records/s  ({verify * 1000:.1f} ms for {N})")


def bench_metrics() -> None:
    readings = {name: Reading(DeviceState.OK, "ok") for name in ("card", "camera", "printer")}
    sup = Supervisor({name: (lambda r=r: r) for name, r in readings.items()})
    sup.probe_once()
    counts = QueueCounts(pending=3, delivered=1000, quarantined=2, oldest_pending_age_s=12.0,
                         quarantine_reasons={"conflict": 1, "rejected": 1})
    metrics = StationMetrics(sup, queue_counts=lambda: counts, catalog_version=lambda: 42)
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        metrics.render()
    elapsed = time.perf_counter() - started
    print(f"metrics render:                    {elapsed / rounds * 1e6:8.0f} us per render")


def bench_argon2() -> None:
    hasher = PasswordHasher()
    for badges in (1, 5):
        creds = Credentials("", [hash_badge_uid(f"04A1B2C3D4E5{i:02X}", hasher) for i in range(badges)])
        started = time.perf_counter()
        creds.check_badge("DEADBEEF")  # unknown badge: checks every entry
        elapsed = time.perf_counter() - started
        print(f"unknown badge vs {badges} allowed:        {elapsed * 1000:8.0f} ms (argon2id m=64MiB t=3 p=4)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bench_audit(Path(tmp))
    bench_metrics()
    bench_argon2()
