"""The daemon and the CLI as real processes: SIGTERM mid-request, `--once`, queue commands,
and a plaintext scan of everything a session leaves on disk."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.commands import queue as queue_cmd
from kiosk.config import load_config
from offline_queue.audit import AuditTrail
from offline_queue.api import RecordState
from offline_queue.outbox import Outbox
from offline_queue.sealing import Opener, Sealer
from offline_queue.settings import QueueSettings
from tests.integration.queue import http_doubles as hd
from tests.integration.queue.conftest import PEOPLE, new_submission, sync_settings
from tests.support.handcarry_reader import read_export

ROOT = Path(__file__).resolve().parents[3]

# A real process running the `sync` handler with a stub config loader (the station's config
# file format is the composition root's business; this feeds the two sections directly).
DRIVER = textwrap.dedent(
    """
    import argparse, json, sys
    from types import SimpleNamespace
    from kiosk.commands import sync
    from kiosk.technician.settings import AuditSettings
    from offline_queue.settings import QueueSettings, SyncSettings
    spec = json.loads(sys.argv[1])
    audit = AuditSettings(db_path=spec["queue"]["db_path"] + ".audit")
    station = SimpleNamespace(id=spec["sync"]["kiosk_id"])
    config = SimpleNamespace(queue=QueueSettings(**spec["queue"]), sync=SyncSettings(**spec["sync"]), audit=audit, station=station, resolve=lambda p: p)
    parser = argparse.ArgumentParser()
    sync.register(parser.add_subparsers())
    args = parser.parse_args(spec["argv"])
    sys.exit(args.func(args, lambda: config))
    """
)


def run_sync(tmp_path: Path, public_key: str, url: str, argv: list[str], **sync_overrides) -> subprocess.Popen:
    spec = {
        "queue": {"db_path": str(tmp_path / "queue.sqlite3"), "sealing_public_key": public_key, "sealing_key_id": "platform-test", "min_free_bytes": 0},
        "sync": {**sync_settings(url, **sync_overrides).model_dump(mode="json"), "token": "station-token"},
        "argv": argv,
    }
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(spec)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def sigterm_once_slowed(daemon: subprocess.Popen, proxy: hd.FaultProxy) -> None:
    """SIGTERM the daemon as soon as the proxy started slowing a request; it must exit 0."""
    deadline = time.monotonic() + 20
    while not proxy.applied:
        assert time.monotonic() < deadline and daemon.poll() is None, daemon.stderr.read() if daemon.poll() is not None else "no request"
        time.sleep(0.01)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0


@pytest.mark.realstack
def test_sigterm_finishes_the_current_request_then_exits(tmp_path, outbox, hub, proxy, platform_keys):
    """Bad input: SIGTERM while the platform takes 1.5 s to answer a submission PUT."""
    ids = [outbox.enqueue(new_submission(i)).submission_id for i in range(3)]
    proxy.add(hd.Fault(hd.SLOW, hd.submission_path, arg=1.5))
    daemon = run_sync(tmp_path, platform_keys[1], proxy.url, ["sync"], read_timeout_s=10, idle_poll_s=0.05, concurrency=1)
    sigterm_once_slowed(daemon, proxy)
    assert outbox.status(ids[0]).state is RecordState.DELIVERED  # the answer was recorded
    assert [outbox.status(i).state for i in ids[1:]] == [RecordState.PENDING] * 2
    assert outbox.counts().in_flight == 0
    assert list(hub.submissions) == [ids[0]]


@pytest.mark.realstack
def test_sigterm_with_concurrent_workers_finishes_what_is_in_flight(tmp_path, outbox, hub, proxy, platform_keys):
    """Bad input: SIGTERM while one of 3 concurrent workers waits 1.5 s for a submission PUT."""
    ids = [outbox.enqueue(new_submission(i)).submission_id for i in range(12)]
    proxy.add(hd.Fault(hd.SLOW, hd.submission_path, arg=1.5))
    daemon = run_sync(tmp_path, platform_keys[1], proxy.url, ["sync"], read_timeout_s=10, idle_poll_s=0.05,
                      concurrency=3, batch_size=3)
    sigterm_once_slowed(daemon, proxy)
    states = {i: outbox.status(i).state for i in ids}
    delivered = {i for i, state in states.items() if state is RecordState.DELIVERED}
    assert set(states.values()) <= {RecordState.DELIVERED, RecordState.PENDING}
    assert outbox.counts().in_flight == 0
    slow_id = proxy.applied[0][2].rsplit("/", 1)[-1]
    assert slow_id in delivered and len(delivered) < len(ids)  # the slow one was waited for; not all sent
    assert set(hub.submissions) == delivered  # each answer recorded, nothing sent twice or lost


@pytest.mark.realstack
def test_once_delivers_everything_due_and_prints_one_line(tmp_path, outbox, hub, platform_keys):
    for i in range(3):
        outbox.enqueue(new_submission(i))
    proc = run_sync(tmp_path, platform_keys[1], hub.url, ["sync", "--once"])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sync: delivered=3 quarantined=0 retry_later=0")
    assert "heartbeat=ok" in lines[0] and "catalog=none_published" in lines[0]
    assert len(hub.submissions) == 3 and len(hub.heartbeats) == 1


@pytest.mark.realstack
def test_once_with_refused_credentials_exits_1_and_keeps_queue(tmp_path, outbox, hub, platform_keys):
    """Bad input: the platform answers 401 to the station's token."""
    outbox.enqueue(new_submission(0))
    hub.token = "rotated"
    proc = run_sync(tmp_path, platform_keys[1], hub.url, ["sync", "--once"])
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "auth=REFUSED" in out and "pending=1" in out


def cli(outbox_path: Path, public_key: str, argv: list[str], capsys) -> tuple[int, str, str]:
    """The `queue` command with a real config file: retry and export run the technician
    tools through the composition root (simulated devices, the audit trail beside the queue)."""
    path = outbox_path.parent / "config.toml"
    path.write_text(
        f"""
[station]
data_dir = "data"
[card]
backend = "simulated"
[printer]
backend = "simulated"
[camera]
backend = "simulated"
[queue]
db_path = "{outbox_path.name}"
sealing_public_key = "{public_key}"
sealing_key_id = "platform-test"
min_free_bytes = 0
[audit]
db_path = "audit.sqlite3"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    parser = argparse.ArgumentParser()
    queue_cmd.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code = args.func(args, lambda: config)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_queue_cli_status_send_test_retry_export(tmp_path, platform_keys, capsys):
    db = tmp_path / "queue.sqlite3"
    code, out, _ = cli(db, platform_keys[1], ["queue", "send-test", "--count", "3", "--attach-bytes", "1000"], capsys)
    assert code == 0 and out.startswith("enqueued 3 test submission(s)")
    box = Outbox.open(db, Sealer(platform_keys[1], "platform-test"), min_free_bytes=0)
    record = box.claim("tech-test")
    box.quarantine(record, "conflict")
    code, out, _ = cli(db, platform_keys[1], ["queue", "status"], capsys)
    assert code == 0
    assert "pending 2  in_flight 0  delivered 0  quarantined 1" in out
    assert "quarantined reasons: conflict 1" in out
    for name, id_number in queue_cmd.TEST_PEOPLE:
        assert name not in out and id_number not in out
    code, out, _ = cli(db, platform_keys[1], ["queue", "retry", record.submission_id], capsys)
    assert code == 0 and "was quarantined, now pending" in out
    assert box.status(record.submission_id).state is RecordState.PENDING
    usb = tmp_path / "usb"
    code, _, err = cli(db, platform_keys[1], ["queue", "export", str(usb)], capsys)
    assert code == 1 and "not a directory" in err and err.count("\n") == 1
    usb.mkdir()  # the technician's USB stick, mounted
    code, out, _ = cli(db, platform_keys[1], ["queue", "export", str(usb)], capsys)
    (folder,) = usb.iterdir()
    # three test submissions and the retry's audit record, forwarded through the queue like any
    assert code == 0 and out == f"exported 4 sealed record(s) to {folder}\n"
    carried = read_export(folder)
    assert carried.bodies[record.submission_id] == record.body("GZ-HZ-0001")
    opener = Opener(platform_keys[0])
    body = json.loads(carried.bodies[record.submission_id])
    assert json.loads(opener.open_envelope(body["sealed"]))["test"] is True
    for ref in body["attachments"]:
        assert len(opener.open(carried.attachments[(record.submission_id, ref["sha256"])])) == 1000
    box.close()
    with AuditTrail(tmp_path / "audit.sqlite3") as trail:  # the console's actions, as the touch screen's
        done = [(r.action, r.detail.get("who")) for r in trail.recent(5)]
    user = getpass.getuser()
    assert ("queue_retry", f"console:{user}") in done and ("export", f"console:{user}") in done


def test_queue_cli_errors_are_one_line(tmp_path, platform_keys, capsys):
    """Bad input: an unknown id for retry, a disk below the floor for send-test."""
    db = tmp_path / "queue.sqlite3"
    unknown = "00000000-0000-4000-8000-000000000000"  # well formed; a malformed id is an argparse error
    code, _, err = cli(db, platform_keys[1], ["queue", "retry", unknown], capsys)
    assert code == 1 and err == f"queue: no submission {unknown} in the queue\n"
    config = SimpleNamespace(
        queue=QueueSettings(db_path=db, sealing_public_key=platform_keys[1], min_free_bytes=2**44),  # the largest floor allowed, above this disk
        sync=sync_settings("http://127.0.0.1:9"),
        resolve=lambda p: p,
        station=SimpleNamespace(id="GZ-HZ-0001"),  # send-test numbers its receipts as the station does
    )
    parser = argparse.ArgumentParser()
    queue_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["queue", "send-test"])
    assert args.func(args, lambda: config) == 1
    err = capsys.readouterr().err
    assert err.startswith("queue: free disk") and err.count("\n") == 1


SESSION = textwrap.dedent(
    """
    import os, signal, sys
    from tests.integration.queue.conftest import make_engine, new_submission
    from offline_queue.sealing import Sealer
    from offline_queue import handcarry
    from offline_queue.outbox import Outbox
    db, public_key, url = sys.argv[1:4]
    box = Outbox.open(db, Sealer(public_key, "platform-test"), min_free_bytes=0)
    for i in range(30):
        box.enqueue(new_submission(i, attach_bytes=5000))
    engine = make_engine(box, url, concurrency=1)  # exactly 10 deliveries before the kill
    for _ in range(10):
        engine.deliver_one()
    export_dir = os.path.join(os.path.dirname(db), "export")
    os.mkdir(export_dir)
    handcarry.export(box, export_dir, "GZ-HZ-0001")
    os.kill(os.getpid(), signal.SIGKILL)  # leave the WAL as a power cut would
    """
)


@pytest.mark.realstack
def test_no_plaintext_personal_data_on_disk_after_a_session(tmp_path, hub, platform_keys):
    """Bad input: a session killed mid-way, leaving DB, WAL, SHM, export and temp files behind."""
    session_tmp = tmp_path / "tmp"
    session_tmp.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", SESSION, str(tmp_path / "queue.sqlite3"), platform_keys[1], hub.url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(session_tmp)},
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"queue.sqlite3", "queue.sqlite3-wal", "submission.json"} <= names
    assert len(hub.submissions) == 10
    needles = []
    for name, id_number in PEOPLE:
        for text in (name, id_number):
            needles += [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("gb18030")]
    hits = [(p.name, n) for p in files for n in needles if n in p.read_bytes()]
    assert hits == []
    # and the scan is not vacuous: the same needles are found in what the platform decrypts
    opener = Opener(platform_keys[0])
    some = next(iter(hub.submissions.values()))[0]
    assert any(n in opener.open_envelope(some["sealed"]) for n in needles)
