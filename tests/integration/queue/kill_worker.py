"""Child processes for the kill tests: `enqueue` or `sync` against one outbox until killed.

Started from a zygote (`python kill_worker.py zygote DB KEY URL IDS`): it imports everything
once, then forks a worker per `spawn MODE` line on stdin and answers its pid; `reap PID`
answers how it ended. Forking a pre-imported process lets the test kill hundreds of workers
a minute at random instants *inside* their work instead of inside interpreter start-up.
The zygote has no threads, so fork is safe.

`enqueue` appends each submission id to the IDS file only AFTER `Outbox.enqueue` returned,
so the parent knows exactly which enqueues a citizen would hold a receipt for.
"""

from __future__ import annotations

import os
import sys
import time

from offline_queue.api import NewAttachment, NewSubmission
from offline_queue.client import ServiceClient
from offline_queue.daemon import SyncDaemon
from offline_queue.engine import SyncEngine
from offline_queue.sealing import Sealer
from offline_queue.settings import SyncSettings
from offline_queue.outbox import Outbox

NAME, ID_NUMBER = "测试丙", "440105197001018888"  # fictional


def attachment_bytes(receipt_number: str, role: str) -> bytes:
    """Deterministic content, so the parent can check what reached the hub."""
    return (f"{role}:{receipt_number}:{NAME}{ID_NUMBER};".encode() * 600)[:20_000]


def submission(receipt_number: str) -> NewSubmission:
    return NewSubmission(
        service_code="KILL",
        catalog_version=1,
        receipt_number=receipt_number,
        payload={"name": NAME, "id_number": ID_NUMBER, "receipt": receipt_number},
        attachments=tuple(NewAttachment(role, attachment_bytes(receipt_number, role)) for role in ("id-front", "document")),
    )


def work(mode: str, db: str, public_key: str, url: str, ids_path: str) -> None:
    outbox = Outbox.open(db, Sealer(public_key, "platform-test"), min_free_bytes=0, lease_seconds=0.5)
    if mode == "enqueue":
        ids = os.open(ids_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        n = 0
        while True:
            n += 1
            done = outbox.enqueue(submission(f"{os.getpid()}-{n}"))
            os.write(ids, f"{done.submission_id}\n".encode())
            time.sleep(0.02)  # a busy station, not a flood: keeps the final drain short
    settings = SyncSettings(
        base_url=url,
        token="station-token",
        connect_timeout_s=1,
        read_timeout_s=2,
        backoff_base_s=0.01,
        backoff_cap_s=0.05,
        idle_poll_s=0.02,
        heartbeat_interval_s=3600,
        catalog_poll_interval_s=3600,
    )
    SyncDaemon(SyncEngine(outbox, ServiceClient(settings), settings)).run()


def zygote(db: str, public_key: str, url: str, ids_path: str) -> None:
    for line in sys.stdin:
        command, arg = line.split()
        if command == "spawn":
            pid = os.fork()
            if pid == 0:
                try:
                    work(arg, db, public_key, url, ids_path)
                finally:
                    os._exit(3)  # never reached unless the worker failed
            print(pid, flush=True)
        elif command == "reap":
            _, status = os.waitpid(int(arg), 0)
            print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status), flush=True)


if __name__ == "__main__":
    zygote(*sys.argv[2:6])
