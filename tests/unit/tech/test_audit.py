"""Audit trail: hash chain, append-only, tamper detection (edit, delete, reorder, truncate), CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from kiosk.commands import audit as audit_cli
from offline_queue.api import Enqueued, NewSubmission, QueueFull
from offline_queue.audit import GENESIS, AuditError, AuditTrail, record_hash, verify_database


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.t += dt.timedelta(seconds=1)
        return self.t


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite3"
    with AuditTrail(path, now=Clock()) as trail:
        trail.append("technician", "login", {"method": "pin", "who": "pin"})
        trail.append("technician", "queue_retry", {"count": 2})
        trail.append("technician", "export", {"records": 5, "directory": "kiosk-usb"})
        trail.append("admin", "catalog_install", {"version": 43, "region": "440105"})
        trail.append("technician", "leave_kiosk", {})
    return path


def tamper(path: Path, *statements: str) -> None:
    """What an attacker with the file does: drop the append-only triggers, then edit."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_chain_is_intact_and_linked(db):
    assert verify_database(db).ok and verify_database(db).count == 5
    with AuditTrail(db) as trail:
        records = list(reversed(trail.recent()))
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:]))
    first = records[0]
    assert first.hash == record_hash(1, first.time, "technician", "login", {"method": "pin", "who": "pin"}, GENESIS)
    assert first.time == "2026-11-23T09:00:01.000Z"


def test_updates_and_deletes_are_refused_by_the_database(db):
    """Bad input: plain UPDATE and DELETE on the audit table."""
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET action = 'nothing' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 5")
    conn.close()


def test_edited_detail_is_caught(db):
    """Bad input: the export count changed after the fact."""
    tamper(db, """UPDATE audit SET detail = '{"directory":"kiosk-usb","records":1}' WHERE seq = 3""")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 3 and "edited" in result.reason


def test_edit_with_a_recomputed_hash_breaks_the_next_link(db):
    """Bad input: the attacker edits record 2 and recomputes its hash too."""
    conn = sqlite3.connect(db)
    seq, time, actor, action, prev = conn.execute("SELECT seq, time, actor, action, prev_hash FROM audit WHERE seq = 2").fetchone()
    conn.close()
    forged = record_hash(seq, time, actor, action, {"count": 0}, prev)
    tamper(db, f"""UPDATE audit SET detail = '{{"count":0}}', hash = '{forged}' WHERE seq = 2""")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 3 and "prev_hash" in result.reason


def test_removed_record_is_caught(db):
    """Bad input: the queue_retry record is deleted."""
    tamper(db, "DELETE FROM audit WHERE seq = 2")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 2 and "missing" in result.reason


def test_reordered_records_are_caught(db):
    """Bad input: records 2 and 3 swap places (their seq values are exchanged)."""
    tamper(db, "UPDATE audit SET seq = -2 WHERE seq = 2", "UPDATE audit SET seq = 2 WHERE seq = 3",
           "UPDATE audit SET seq = 3 WHERE seq = -2")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 2


def test_truncated_tail_is_caught_by_the_counter(db):
    """Bad input: the last two records are deleted."""
    tamper(db, "DELETE FROM audit WHERE seq >= 4")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 4 and "removed" in result.reason


def test_truncated_tail_with_counter_fixed_is_caught_by_the_head_file(db):
    """Bad input: the last record deleted AND sqlite_sequence rewound to hide it."""
    tamper(db, "DELETE FROM audit WHERE seq = 5", "UPDATE sqlite_sequence SET seq = 4 WHERE name = 'audit'")
    result = verify_database(db)
    assert not result.ok and result.bad_seq == 5 and "head" in result.reason


def test_everything_local_rewritten_is_caught_by_the_platforms_head(db):
    """Bad input: tail removed, counter rewound, head file rewritten: only the platform's copy knows."""
    with AuditTrail(db) as trail:
        platform_head = (5, trail.get(5).hash)
        fourth = trail.get(4).hash
    tamper(db, "DELETE FROM audit WHERE seq = 5", "UPDATE sqlite_sequence SET seq = 4 WHERE name = 'audit'")
    db.with_name(db.name + ".head").write_text(json.dumps({"seq": 4, "hash": fourth}))
    assert verify_database(db).ok  # locally consistent: the limit of local checks
    result = verify_database(db, expect_head=platform_head)
    assert not result.ok and result.bad_seq == 5


def test_missing_head_file_is_caught(db):
    """Bad input: the head file deleted."""
    db.with_name(db.name + ".head").unlink()
    assert "head file is missing" in verify_database(db).reason


def test_appending_continues_the_chain_after_reopen(db):
    with AuditTrail(db) as trail:
        record = trail.append("system", "device_state", {"device": "printer", "state": "down"})
    assert record.seq == 6 and verify_database(db).ok


@pytest.mark.parametrize(
    "detail",
    [{"Name": "x"}, {"photo": b"\xff"}, {"who": {"name": "nested"}}, {"note": "x" * 201}],
)
def test_detail_shape_is_enforced(tmp_path, detail):
    """Bad input: upper-case key, bytes, nested object, over-long text."""
    with AuditTrail(tmp_path / "a.sqlite3") as trail, pytest.raises(AuditError):
        trail.append("technician", "export", detail)


def test_unknown_actor_is_refused(tmp_path):
    """Bad input: an actor outside technician/admin/system."""
    with AuditTrail(tmp_path / "a.sqlite3") as trail, pytest.raises(AuditError):
        trail.append("citizen", "login")  # type: ignore[arg-type]


class Sink:
    """Stands in for Outbox.enqueue here; tests/integration/tech runs the real outbox."""

    def __init__(self) -> None:
        self.got: list[NewSubmission] = []
        self.full = False

    def __call__(self, submission: NewSubmission) -> Enqueued:
        if self.full:
            raise QueueFull("disk floor reached")
        self.got.append(submission)
        return Enqueued(str(uuid.uuid4()), submission.receipt_number, "2026-11-23T09:00:00Z")


def test_records_are_forwarded_as_audit_submissions_and_retried_after_a_refusal(tmp_path):
    """Bad input: the outbox refuses (queue full) for a while."""
    sink = Sink()
    with AuditTrail(tmp_path / "a.sqlite3", sink=sink, kiosk_id="GZ-HZ-0001") as trail:
        trail.append("technician", "login", {"method": "badge"})
        sink.full = True
        trail.append("technician", "export", {"records": 3})
        trail.append("technician", "logout", {})
        assert trail.unforwarded() == 2 and len(sink.got) == 1
        sink.full = False
        assert trail.forward() == 2 and trail.unforwarded() == 0 and trail.forward() == 0
    assert [s.receipt_number for s in sink.got] == ["AUDIT-00000001", "AUDIT-00000002", "AUDIT-00000003"]
    assert {s.service_code for s in sink.got} == {"AUDIT"}
    assert sink.got[1].payload["audit"]["detail"] == {"records": 3}
    assert sink.got[1].payload["kiosk_id"] == "GZ-HZ-0001"


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    audit_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, lambda: pytest.fail("--db given: no config needed"))


def test_cli_verify_ok_and_tampered(db, capsys):
    """Bad input: a record edited after verify passed once."""
    assert run_cli(["audit", "verify", "--db", str(db)]) == 0
    assert "5 records" in capsys.readouterr().out
    tamper(db, "UPDATE audit SET actor = 'system' WHERE seq = 4")
    assert run_cli(["audit", "verify", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "record 4" in err and "Traceback" not in err


def test_cli_verify_with_platform_head_and_bad_arguments(db, tmp_path, capsys):
    """Bad input: a malformed --expect-head, a missing database, a file that is not SQLite."""
    with AuditTrail(db) as trail:
        head = f"5:{trail.get(5).hash}"
    assert run_cli(["audit", "verify", "--db", str(db), "--expect-head", head]) == 0
    assert run_cli(["audit", "verify", "--db", str(db), "--expect-head", "5:abc"]) == 2
    assert run_cli(["audit", "verify", "--db", str(tmp_path / "none.sqlite3")]) == 2
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert run_cli(["audit", "verify", "--db", str(junk)]) == 2
    assert run_cli(["audit", "list", "--db", str(junk)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_list(db, capsys):
    assert run_cli(["audit", "list", "--db", str(db), "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "catalog_install" in lines[0] and "version=43" in lines[0] and "leave_kiosk" in lines[1]
    assert run_cli(["audit", "list", "--db", str(db), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]


def test_head_left_behind_by_a_crash_catches_up_on_open(db):
    """Bad input: the process died after a commit, before writing the head file."""
    head = db.with_name(db.name + ".head")
    with AuditTrail(db) as trail:
        fourth = trail.get(4).hash
    head.write_text(json.dumps({"seq": 4, "hash": fourth}))
    assert not verify_database(db).ok
    AuditTrail(db).close()
    assert verify_database(db).ok


def test_two_threads_appending_keep_one_chain(tmp_path):
    """Bad input: the UI thread and the supervisor thread append at the same time."""
    import threading

    with AuditTrail(tmp_path / "a.sqlite3") as trail:
        def burst(actor):
            for i in range(25):
                trail.append(actor, "device_state", {"n": i})

        threads = [threading.Thread(target=burst, args=(a,)) for a in ("system", "technician")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    result = verify_database(tmp_path / "a.sqlite3")
    assert result.ok and result.count == 50


def test_cli_finds_the_database_through_the_config(db, capsys):
    """Without --db the path is [audit] db_path, relative to the config file's folder."""
    from types import SimpleNamespace

    from kiosk.technician.settings import AuditSettings

    config = SimpleNamespace(audit=AuditSettings(db_path=db.name), resolve=lambda p: db.parent / p)
    parser = argparse.ArgumentParser()
    audit_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["audit", "verify"])
    assert args.func(args, lambda: config) == 0
    assert "5 records" in capsys.readouterr().out
