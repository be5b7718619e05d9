"""The outbox on a real SQLite file: durability settings, sealing, leases, purge, catalog slots."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from offline_queue.api import NewAttachment, NewSubmission, QueueError, QueueFull, RecordState
from offline_queue.sealing import Opener, Sealer, generate_keypair
from offline_queue.outbox import Outbox

NAME = "测试甲乙"  # fictional
ID_NUMBER = "11010519491231002X"  # fictional


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def outbox(tmp_path, keys):
    box = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"), min_free_bytes=0, lease_seconds=30)
    yield box
    box.close()


def submission(n: int = 0, size: int = 2000) -> NewSubmission:
    return NewSubmission(
        service_code="SVC-01",
        catalog_version=3,
        receipt_number=f"R-{n:04d}",
        payload={"name": NAME, "id_number": ID_NUMBER, "n": n},
        attachments=(
            NewAttachment("id-front", b"\xff\xd8" + bytes([n % 256]) * size),
            NewAttachment("id-back", b"\xff\xd8" + b"b" * size),
        ),
    )


def test_open_sets_wal_and_synchronous_full(outbox):
    conn = sqlite3.connect(outbox.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    conn.close()
    assert outbox._db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_refuses_when_synchronous_is_not_full(tmp_path, keys, monkeypatch):
    """Bad input: a SQLite build/environment where synchronous=FULL does not stick."""
    import offline_queue.database as database

    monkeypatch.setattr(database, "SYNCHRONOUS_FULL", 3)  # no real SQLite reports 3: "not FULL"
    with pytest.raises(QueueError, match="synchronous"):
        Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"))


def test_enqueue_seals_payload_and_attachments(outbox, keys):
    sub = submission(1)
    done = outbox.enqueue(sub)
    assert done.receipt_number == "R-0001"
    record = outbox.claim("worker")
    assert record.submission_id == done.submission_id
    body = json.loads(record.body("GZ-HZ-0001"))
    opener = Opener(keys[0])
    assert opener.open_envelope(body["sealed"]).decode() == (
        '{"id_number":"%s","n":1,"name":"%s"}' % (ID_NUMBER, NAME)
    )
    assert body["sealed"]["recipient_key_id"] == "k1"
    for ref, original in zip(record.attachments, sub.attachments, strict=True):
        sealed = outbox.attachment_data(record, ref.sha256)
        assert opener.open(sealed) == original.data
        assert ref.size == len(sealed) and ref.role == original.role
    raw = outbox.path.read_bytes() + outbox.path.with_name("q.sqlite3-wal").read_bytes()
    for secret in (NAME.encode(), ID_NUMBER.encode(), b"b" * 100):
        assert secret not in raw


def test_body_is_identical_across_claims(outbox):
    outbox.enqueue(submission())
    first = outbox.claim("a")
    outbox.release(first)
    second = outbox.claim("b")
    assert first.body("K") == second.body("K")


def test_disk_floor_refuses_new_but_keeps_queued(tmp_path, keys):
    """Bad input: the disk has less free space than the configured floor."""
    box = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"), min_free_bytes=0)
    kept = box.enqueue(submission(1))
    box.min_free_bytes = box.free_bytes() + 1
    with pytest.raises(QueueFull, match="below the floor"):
        box.enqueue(submission(2))
    counts = box.counts()
    assert counts.pending == 1
    assert box.status(kept.submission_id).state is RecordState.PENDING
    box.close()


@pytest.mark.parametrize("size", [0, 1, 300_000])
def test_sealed_size_is_what_seal_returns(keys, size):
    """The disk floor is checked before sealing, with the size sealing will produce."""
    sealer = Sealer(keys[1], "k1")
    assert len(sealer.seal(b"x" * size)) == Sealer.sealed_size(size)


def test_oldest_first_and_backoff_does_not_block_others(outbox):
    ids = [outbox.enqueue(submission(n)).submission_id for n in range(3)]
    head = outbox.claim("w")
    assert head.submission_id == ids[0]
    assert outbox.retry_later(head, 60, "http_500")
    assert outbox.claim("w").submission_id == ids[1]
    assert outbox.claim("w").submission_id == ids[2]
    assert outbox.claim("w") is None
    assert outbox.next_due_ts() is not None


def test_expired_lease_is_reclaimed_and_old_owner_is_fenced(outbox):
    sid = outbox.enqueue(submission()).submission_id
    stale = outbox.claim("crashed")
    assert outbox.claim("other") is None  # leased: not due
    fresh = outbox.claim("new", now=time.time() + 31)  # the 30 s lease ran out
    assert fresh.submission_id == sid
    assert not outbox.delivered(stale, "REF-stale", None)
    assert outbox.delivered(fresh, "REF-1", "2026-01-01T00:00:00Z")
    assert outbox.status(sid).reference == "REF-1"


def test_quarantine_counts_reasons_and_retry(outbox):
    sid = outbox.enqueue(submission()).submission_id
    assert outbox.quarantine(outbox.claim("w"), "conflict")
    counts = outbox.counts()
    assert counts.quarantined == 1 and counts.quarantine_reasons == {"conflict": 1}
    assert outbox.claim("w") is None
    assert outbox.retry(sid) is RecordState.QUARANTINED
    assert outbox.claim("w").submission_id == sid
    with pytest.raises(KeyError):
        outbox.retry("no-such-id")


def test_purge_after_retention_reclaims_space(tmp_path, keys):
    box = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"), min_free_bytes=0, retention_days=1)
    for n in range(20):
        box.enqueue(submission(n, size=100_000))
    while (record := box.claim("w")) is not None:
        box.delivered(record, "REF", None)
    assert box.purge() == 0  # within retention
    box.reclaim()
    full = box.path.stat().st_size
    assert box.purge(now=datetime.now(UTC).timestamp() + 2 * 86400) == 20
    assert box.counts().delivered == 0
    assert box.path.stat().st_size < full / 4
    assert box.integrity_check() == "ok"
    box.close()


def test_two_connections_migrate_once(tmp_path, keys):
    a = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"))
    b = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"))
    names = [r[0] for r in a._db.conn.execute("SELECT name FROM _sqlite_migrations").fetchall()]
    assert sorted(names) == ["m001_outbox", "m002_integrity_and_recovery"]  # each once
    a.close()
    b.close()


def _bundle(version: int, effective_from: datetime, expires_at: datetime | None = None):
    payload = {"region": "440105", "version": version, "services": []}
    return SimpleNamespace(
        payload=payload,
        version=version,
        region="440105",
        effective_from=effective_from,
        expires_at=expires_at,
        raw={"payload": "x", "signature": "y", "key_id": "k"},
    )


def test_catalog_staged_until_effective(outbox):
    now = datetime.now(UTC)
    assert outbox.catalog.install(_bundle(1, now - timedelta(hours=1)), now) == "applied"
    assert outbox.catalog.install(_bundle(2, now + timedelta(hours=1)), now) == "staged"
    assert outbox.catalog.install(_bundle(2, now + timedelta(hours=1)), now) == "ignored"
    assert outbox.catalog.active(now).version == 1
    assert outbox.catalog.staged().version == 2
    later = now + timedelta(hours=2)
    assert outbox.catalog.active(later).version == 2
    assert outbox.catalog.staged() is None


def test_catalog_staged_that_expired_is_dropped(outbox):
    """Bad input: a staged bundle whose expiry passes before it takes effect."""
    now = datetime.now(UTC)
    outbox.catalog.install(_bundle(1, now - timedelta(hours=1)), now)
    outbox.catalog.install(_bundle(2, now + timedelta(hours=1), now + timedelta(hours=2)), now)
    assert outbox.catalog.active(now + timedelta(hours=3)).version == 1
    assert outbox.catalog.staged() is None
