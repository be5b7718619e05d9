"""Audit trail: append-only, hash-chained records of what technicians, admins and the system did.

Each record is (seq, time, actor, action, detail, prev_hash, hash) where
`hash = SHA-256(canonical JSON of every other field)` and `prev_hash` is the previous
record's hash (64 zeros for the first). Editing a record breaks its hash; removing or
reordering records breaks the chain (or the contiguous `seq`); removing the newest records
(truncation) is caught by SQLite's AUTOINCREMENT counter and by a head file beside the
database (`<db>.head`, the last seq and hash). Someone with root on the station can rewrite
all of these consistently: the real anchor is the copy delivered to the platform, which
`verify(expect_head=...)` checks against.

Delivery: every record is also handed to the outbox as a submission with the reserved
service code `AUDIT` (payload = the record, sealed like any other). That reuses everything
the outbox already guarantees (one-transaction durability, sealing, idempotent PUT, retries,
quarantine, purge) with no second delivery path, no new wire endpoint and no change to the
store's schema; the platform routes `AUDIT` submissions to its audit log. Forwarding is
at-least-once (a crash between enqueue and marking can enqueue a record twice): the
platform de-duplicates by (kiosk id, seq, hash).

Details must be non-personal: short scalars under lower-case keys (method, reason, count,
version, directory name...). Never a citizen's name, ID number or receipt content.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from offline_queue.api import Enqueued, NewSubmission, QueueError
from offline_queue.filemodes import private_dir, private_file

log = logging.getLogger(__name__)

AUDIT_SERVICE_CODE = "AUDIT"
GENESIS = "0" * 64
Actor = Literal["technician", "admin", "system"]
ACTORS = ("technician", "admin", "system")

#: Actions the station records (others are allowed if they follow the same shape).
ACTIONS = (
    "login", "failed_login", "lockout", "logout", "session_expired", "leave_kiosk",
    "export", "catalog_install", "queue_retry", "device_test", "device_state",
)

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MAX_VALUE = 200

Scalar = str | int | float | bool | None

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TABLE IF NOT EXISTS audit_forwarded (
    seq INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL
);
"""


class AuditError(Exception):
    """The audit trail cannot be used (bad detail, unreadable database); `str()` is one line."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    time: str
    actor: str
    action: str
    detail: dict[str, Scalar]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`ok`, how many records were checked, and the first bad seq with the reason."""

    ok: bool
    count: int
    bad_seq: int | None = None
    reason: str = ""


def canonical(value: Any) -> bytes:
    """UTF-8 JSON, keys sorted, no insignificant white space (as SERVICE_API's catalogs)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_hash(seq: int, time: str, actor: str, action: str, detail: dict[str, Scalar], prev_hash: str) -> str:
    body = {"seq": seq, "time": time, "actor": actor, "action": action, "detail": detail, "prev_hash": prev_hash}
    return hashlib.sha256(canonical(body)).hexdigest()


def check_detail(detail: dict[str, Any]) -> dict[str, Scalar]:
    """Short scalars under lower-case keys only: keeps records small and data-free by shape."""
    for key, value in detail.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise AuditError(f"audit detail key {key!r} is not a lower-case identifier")
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise AuditError(f"audit detail {key} must be a scalar, not {type(value).__name__}")
        if isinstance(value, str) and len(value) > _MAX_VALUE:
            raise AuditError(f"audit detail {key} is longer than {_MAX_VALUE} characters")
    return dict(detail)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditTrail:
    """The station's audit trail in its own SQLite file (beside the queue database).

    `sink` is the outbox's `enqueue`; without one, records stay local (CLI, tests).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        sink: Callable[[NewSubmission], Enqueued] | None = None,
        kiosk_id: str = "",
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._sink = sink
        self._kiosk_id = kiosk_id
        self._now = now
        private_file(private_dir(self.path.parent) / self.path.name)  # 0600 (and its -wal, -shm)
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        # One connection shared by the UI thread and the supervisor's: one user at a time.
        self._lock = threading.RLock()
        # A crash between a commit and its head-file write leaves the head behind: catch up.
        # (A head AHEAD of the database means records were removed; that is left for verify.)
        last = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        if last is not None:
            self._advance_head(last[0], last[1])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------

    def append(self, actor: Actor, action: str, detail: dict[str, Any] | None = None) -> AuditRecord:
        """Add one record (durably, chained to the last) and hand it to the outbox."""
        if actor not in ACTORS:
            raise AuditError(f"unknown audit actor {actor!r}")
        if not _KEY.match(action):
            raise AuditError(f"audit action {action!r} is not a lower-case identifier")
        clean = check_detail(detail or {})
        with self._lock:
            record = self._insert(actor, action, clean)
            self._advance_head(record.seq, record.hash)
        self.forward()
        return record

    def _insert(self, actor: str, action: str, clean: dict[str, Scalar]) -> AuditRecord:
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # serialises appenders from both processes
        try:
            last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            counter = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
            seq = (counter[0] if counter else 0) + 1
            prev = last[1] if last else GENESIS
            time = _rfc3339(self._now())
            digest = record_hash(seq, time, actor, action, clean, prev)
            db.execute(
                "INSERT INTO audit (seq, time, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, time, actor, action, canonical(clean).decode(), prev, digest),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return AuditRecord(seq, time, actor, action, clean, prev, digest)

    def _advance_head(self, seq: int, digest: str) -> None:
        """Rewrite `<db>.head` (atomically, under a lock) unless another appender got further."""
        lock_path = self.head_path.with_name(self.head_path.name + ".lock")
        with open(private_file(lock_path), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = read_head(self.head_path)
            if current is not None and current[0] >= seq:
                return
            fd, tmp = tempfile.mkstemp(dir=self.head_path.parent, prefix=".audit-head.")
            with os.fdopen(fd, "w") as handle:
                json.dump({"seq": seq, "hash": digest}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.head_path)

    def forward(self) -> int:
        """Enqueue every record not yet handed to the outbox; returns how many were.

        A refused enqueue (queue full, database busy) leaves the record for the next call.
        """
        if self._sink is None:
            return 0
        with self._lock:
            return self._forward(self._sink)

    def _forward(self, sink: Callable[[NewSubmission], Enqueued]) -> int:
        rows = self._db.execute(
            "SELECT a.seq FROM audit a LEFT JOIN audit_forwarded f ON f.seq = a.seq"
            " WHERE f.seq IS NULL ORDER BY a.seq"
        ).fetchall()
        done = 0
        for (seq,) in rows:
            record = self.get(seq)
            submission = NewSubmission(
                service_code=AUDIT_SERVICE_CODE,
                catalog_version=0,
                receipt_number=f"AUDIT-{seq:08d}",
                payload={"kiosk_id": self._kiosk_id, "audit": record.as_dict()},
            )
            try:
                enqueued = sink(submission)
            except QueueError as exc:
                log.warning("audit record %d not forwarded yet: %s", seq, exc)
                break
            self._db.execute(
                "INSERT OR IGNORE INTO audit_forwarded (seq, submission_id) VALUES (?, ?)",
                (seq, enqueued.submission_id),
            )
            done += 1
        return done

    # --- reading --------------------------------------------------------------------

    def get(self, seq: int) -> AuditRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT seq, time, actor, action, detail, prev_hash, hash FROM audit WHERE seq = ?", (seq,)
            ).fetchone()
        if row is None:
            raise KeyError(seq)
        return _record(row)

    def recent(self, limit: int = 50) -> list[AuditRecord]:
        """The newest records, newest first (the technician's "recent events" screen)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, time, actor, action, detail, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_record(row) for row in rows]

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest record, or None while the trail is empty: what the
        heartbeat reports, so the platform can later tell a rewritten or cut trail."""
        with self._lock:
            row = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def unforwarded(self) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT count(*) FROM audit a LEFT JOIN audit_forwarded f ON f.seq = a.seq WHERE f.seq IS NULL"
            ).fetchone()[0]

    def verify(self, expect_head: tuple[int, str] | None = None) -> VerifyResult:
        return verify_database(self.path, expect_head)


def _record(row: tuple) -> AuditRecord:
    seq, time, actor, action, detail, prev_hash, digest = row
    return AuditRecord(seq, time, actor, action, json.loads(detail), prev_hash, digest)


def read_head(path: Path) -> tuple[int, str] | None:
    try:
        data = json.loads(path.read_text())
        return int(data["seq"]), str(data["hash"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return (-1, "unreadable")


def verify_database(
    path: Path | str,
    expect_head: tuple[int, str] | None = None,
    expect_heads: Iterable[tuple[int, str]] = (),
) -> VerifyResult:
    """Check the whole chain; the first bad seq and why, or ok.

    `expect_head`/`expect_heads`: (seq, hash) of records someone outside the station saw (the
    heads its heartbeats reported to the platform); each must still be in the chain, unchanged.
    Opens read-only so verifying never creates or changes anything.
    """
    path = Path(path)
    if not path.exists():
        raise AuditError(f"{path}: no audit database")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            rows = db.execute(
                "SELECT seq, time, actor, action, detail, prev_hash, hash FROM audit ORDER BY seq"
            ).fetchall()
            counter = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise AuditError(f"{path}: cannot read the audit trail: {exc}") from None

    prev = GENESIS
    for expected_seq, (seq, time, actor, action, detail, prev_hash, digest) in enumerate(rows, start=1):
        if seq != expected_seq:
            return VerifyResult(False, len(rows), expected_seq, f"record {expected_seq} is missing (next is {seq})")
        if prev_hash != prev:
            return VerifyResult(False, len(rows), seq, "prev_hash does not match the previous record (removed or reordered)")
        try:
            parsed = json.loads(detail)
        except ValueError:
            return VerifyResult(False, len(rows), seq, "detail is not JSON (edited)")
        if record_hash(seq, time, actor, action, parsed, prev_hash) != digest:
            return VerifyResult(False, len(rows), seq, "hash does not match the record's content (edited)")
        prev = digest
    last_seq = rows[-1][0] if rows else 0
    issued = counter[0] if counter else 0
    if issued != last_seq:
        return VerifyResult(False, len(rows), last_seq + 1, f"records after {last_seq} were removed (counter at {issued})")
    head = read_head(path.with_name(path.name + ".head"))
    if rows and head is None:
        return VerifyResult(False, len(rows), last_seq, "head file is missing")
    if head is not None and head != (last_seq, prev):
        bad = min(head[0], last_seq) + 1 if head[0] != last_seq else last_seq
        return VerifyResult(False, len(rows), max(bad, 1), f"head file says record {head[0]} is the last, the database {last_seq}")
    heads = sorted({*expect_heads, *([expect_head] if expect_head is not None else [])})
    for seq, digest in heads:
        if seq < 1:
            raise AuditError("the expected head's seq starts at 1")
        if seq > last_seq:
            return VerifyResult(False, len(rows), last_seq + 1, f"the platform has record {seq}, the station only {last_seq}")
        if rows[seq - 1][6] != digest:
            return VerifyResult(False, len(rows), seq, "record differs from the platform's copy")
    return VerifyResult(True, len(rows))
