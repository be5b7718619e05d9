"""Kill tests: enqueuing and syncing processes SIGKILLed at random instants.

Afterwards the database passes `PRAGMA integrity_check`, and every submission whose enqueue
returned (its id was printed) is at the hub exactly once, with intact attachments; the hub
never saw two different bodies for one id (no 409) and holds nothing the outbox never had.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from offline_queue.sealing import Opener, Sealer
from offline_queue.outbox import Outbox
from tests.integration.queue.conftest import drain, make_engine
from tests.integration.queue.kill_worker import attachment_bytes

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("kill_worker.py")
KILLS = int(os.environ.get("QUEUE_KILLS", "200"))


class Zygote:
    """Talks to `kill_worker.py zygote`: fork workers on demand, reap them."""

    def __init__(self, db: Path, public_key: str, url: str, ids: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "zygote", str(db), public_key, url, str(ids)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, line: str) -> int:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def spawn(self, mode: str) -> int:
        return self._ask(f"spawn {mode}")

    def kill(self, pid: int) -> int:
        os.kill(pid, signal.SIGKILL)
        return self._ask(f"reap {pid}")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.realstack
@pytest.mark.timeout(240)
def test_sigkill_at_random_instants_loses_and_doubles_nothing(tmp_path, hub, platform_keys):
    """Bad input: SIGKILL to the enqueuer and the sync daemon at random instants, 200+ times."""
    db = tmp_path / "queue.sqlite3"
    rng = random.Random(int(os.environ.get("QUEUE_KILL_SEED", time.time_ns() % 10**6)))
    ids_file = tmp_path / "returned-ids.txt"
    zygote = Zygote(db, platform_keys[1], hub.url, ids_file)
    kills = 0
    workers = {mode: (zygote.spawn(mode), time.monotonic() + rng.uniform(0.01, 0.5)) for mode in ("enqueue", "sync")}
    while kills < KILLS:
        now = time.monotonic()
        for mode, (pid, deadline) in list(workers.items()):
            if now >= deadline:
                assert zygote.kill(pid) == signal.SIGKILL, f"{mode} worker died on its own"
                kills += 1
                workers[mode] = (zygote.spawn(mode), time.monotonic() + rng.uniform(0.01, 0.5))
        time.sleep(0.002)
    for pid, _ in workers.values():
        zygote.kill(pid)
    zygote.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    returned = [line for line in ids_file.read_text().split("\n") if line]
    assert len(returned) >= KILLS // 10, "too few enqueues completed to mean anything"

    outbox = Outbox.open(db, Sealer(platform_keys[1], "platform-test"), min_free_bytes=0, lease_seconds=0.5)
    time.sleep(0.6)  # let leases of killed daemons expire
    drain(make_engine(outbox, hub.url), timeout=60)
    opener = Opener(platform_keys[0])
    in_outbox = {row[0] for row in outbox._db.conn.execute("SELECT id FROM submissions")}
    assert set(returned) <= in_outbox
    assert set(hub.submissions) == in_outbox  # everything queued is delivered, nothing else
    assert len(set(returned)) == len(returned)
    for sid in returned:
        body, receipt = hub.submissions[sid]
        assert outbox.status(sid).reference == receipt["reference"]
        for ref in body["attachments"]:
            plain = opener.open(hub.attachments[(sid, ref["sha256"])])
            assert plain == attachment_bytes(body["receipt_number"], ref["role"])
    assert outbox.integrity_check() == "ok"
    outbox.close()
    print(f"{kills} kills, {len(returned)} returned enqueues, {len(hub.submissions)} delivered")
