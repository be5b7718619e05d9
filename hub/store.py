"""The hub's SQLite storage: submissions, attachments, catalogs, heartbeats.

One connection per thread, kept open (FastAPI runs handlers on a thread pool; a SQLite
connection must not be shared between threads, and closing the last connection to a WAL
database checkpoints it, which made every request pay a checkpoint). WAL lets readers
proceed while a writer commits.
Every write that must be idempotent runs in `BEGIN IMMEDIATE`, so two identical PUTs that
race are serialised: the first inserts, the second finds the row and replays it.

Only sealed bytes are stored. The hub opens sealed payloads to *check* them and keeps a
digest and the list of top-level field names, never the plaintext.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.attachment_files import AttachmentFiles
from hub.store_upgrade import upgrade, upgrade_needed

#: Version 1: kiosk namespaces (SERVICE_API 1.1), attachment bytes in files, audit heads.
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS attachments (
    kiosk_id TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, submission_id, sha256)
);
CREATE INDEX IF NOT EXISTS attachments_by_age ON attachments (received_at);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    check_report TEXT NOT NULL,
    UNIQUE (kiosk_id, submission_id)
);
CREATE INDEX IF NOT EXISTS submissions_by_id ON submissions (submission_id);
CREATE TABLE IF NOT EXISTS catalogs (
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    bundle TEXT NOT NULL,
    etag TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (region, version)
);
CREATE TABLE IF NOT EXISTS heartbeats (
    kiosk_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    count INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_heads (
    kiosk_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, seq, hash)
);
CREATE TRIGGER IF NOT EXISTS audit_heads_no_update BEFORE UPDATE ON audit_heads
BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
"""


@dataclass(frozen=True)
class StoredSubmission:
    submission_id: str
    kiosk_id: str
    service_code: str
    content_sha256: str
    request: dict[str, Any]
    response: str  # the first 201 body, byte for byte, replayed on 200
    reference: str
    status: str
    received_at: str
    updated_at: str
    check_report: dict[str, Any]


class HubStore:
    """Storage for one hub; `path` is the SQLite file (created with its schema if missing)."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", busy_timeout_s: float = 30.0) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self.path = Path(path)
        self._synchronous = synchronous
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # see transaction()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # SQLite gives -wal and -shm the database file's mode: create it 0600 first.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.files = AttachmentFiles(self.path.parent / "attachments", durable=synchronous == "FULL")
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            with self.transaction() as tx:
                if upgrade_needed(tx):
                    upgrade(tx, self.files)
                for statement in SCHEMA.split(";\n"):  # executescript would commit first
                    if statement.strip():
                        tx.execute(statement)
                tx.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so that close() may close it; it is used by one thread.
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        yield conn

    def close(self) -> None:
        """Close every thread's connection (at shutdown, when no request is running)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken up front (BEGIN IMMEDIATE): check-then-insert is atomic.

        SQLite allows one writer at a time anyway; this process's writers queue on a lock
        first, because a thread that finds SQLite's write lock taken sleeps in the busy
        handler (1, 2, 5, 10... ms) instead of waking when it is released: with a few
        concurrent PUTs most of the hub's time went to those sleeps. The busy timeout still
        covers other processes on the same file.
        """
        with self._connect() as conn, self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- attachments (rows here, bytes in `self.files`) ----------------------------------

    def put_attachment(self, kiosk_id: str, submission_id: str, sha256: str, size: int, now: str) -> bool:
        """Record a committed file; True if new, False if (kiosk, id, hash) was already stored."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO attachments (kiosk_id, submission_id, sha256, size, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (kiosk_id, submission_id, sha256, size, now),
            )
            return cur.rowcount == 1

    def attachment_sizes(self, kiosk_id: str, submission_id: str) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT sha256, size FROM attachments WHERE kiosk_id = ? AND submission_id = ?",
                (kiosk_id, submission_id),
            ).fetchall()
        return dict(rows)

    def orphan_attachments(self, received_before: str) -> list[tuple[str, str, str]]:
        """(kiosk, id, hash) of attachments older than `received_before` that no submission of
        their kiosk references (by id: a delivered submission keeps all its uploads)."""
        with self._connect() as conn:
            return conn.execute(
                "SELECT a.kiosk_id, a.submission_id, a.sha256 FROM attachments a WHERE a.received_at < ?"
                " AND NOT EXISTS (SELECT 1 FROM submissions s"
                " WHERE s.kiosk_id = a.kiosk_id AND s.submission_id = a.submission_id)",
                (received_before,),
            ).fetchall()

    def delete_attachment(self, kiosk_id: str, submission_id: str, sha256: str, received_before: str) -> bool:
        """Forget one orphan unless a submission took it meanwhile; True if it was deleted."""
        with self.transaction() as conn:
            cur = conn.execute(
                "DELETE FROM attachments WHERE kiosk_id = ? AND submission_id = ? AND sha256 = ?"
                " AND received_at < ? AND NOT EXISTS (SELECT 1 FROM submissions s"
                " WHERE s.kiosk_id = ? AND s.submission_id = ?)",
                (kiosk_id, submission_id, sha256, received_before, kiosk_id, submission_id),
            )
            return cur.rowcount == 1

    # -- submissions ------------------------------------------------------------------

    @staticmethod
    def _submission(row: sqlite3.Row | tuple | None) -> StoredSubmission | None:
        if row is None:
            return None
        (sid, kiosk, service, digest, request, response, reference, status, received, updated, report) = row
        return StoredSubmission(
            submission_id=sid,
            kiosk_id=kiosk,
            service_code=service,
            content_sha256=digest,
            request=json.loads(request),
            response=response,
            reference=reference,
            status=status,
            received_at=received,
            updated_at=updated,
            check_report=json.loads(report),
        )

    _COLUMNS = (
        "submission_id, kiosk_id, service_code, content_sha256, request, response, reference,"
        " status, received_at, updated_at, check_report"
    )

    def submission(
        self, kiosk_id: str, submission_id: str, conn: sqlite3.Connection | None = None
    ) -> StoredSubmission | None:
        query = f"SELECT {self._COLUMNS} FROM submissions WHERE kiosk_id = ? AND submission_id = ?"
        if conn is not None:
            return self._submission(conn.execute(query, (kiosk_id, submission_id)).fetchone())
        with self._connect() as own:
            return self._submission(own.execute(query, (kiosk_id, submission_id)).fetchone())

    def kiosks_using(self, submission_id: str) -> list[str]:
        """Which kiosks delivered a submission with this id (for the admin, who sees them all)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT kiosk_id FROM submissions WHERE submission_id = ? ORDER BY kiosk_id", (submission_id,)
            ).fetchall()
        return [r[0] for r in rows]

    def insert_submission(
        self,
        conn: sqlite3.Connection,
        *,
        submission_id: str,
        kiosk_id: str,
        service_code: str,
        content_sha256: str,
        request: dict[str, Any],
        received_at: str,
        check_report: dict[str, Any],
        reference_prefix: str,
    ) -> StoredSubmission:
        """Insert inside the caller's transaction; the reference is built from the row number."""
        cur = conn.execute(
            "INSERT INTO submissions (submission_id, kiosk_id, service_code, content_sha256, request,"
            " response, reference, status, received_at, updated_at, check_report)"
            " VALUES (?, ?, ?, ?, ?, '', '', 'received', ?, ?, ?)",
            (
                submission_id,
                kiosk_id,
                service_code,
                content_sha256,
                json.dumps(request, ensure_ascii=False),
                received_at,
                received_at,
                json.dumps(check_report),
            ),
        )
        reference = f"{reference_prefix}{cur.lastrowid:08d}"
        response = json.dumps(
            {
                "submission_id": submission_id,
                "reference": reference,
                "status": "received",
                "received_at": received_at,
            }
        )
        conn.execute(
            "UPDATE submissions SET reference = ?, response = ? WHERE seq = ?",
            (reference, response, cur.lastrowid),
        )
        # The row as just written; reading it back would only re-parse what we hold.
        return StoredSubmission(
            submission_id=submission_id,
            kiosk_id=kiosk_id,
            service_code=service_code,
            content_sha256=content_sha256,
            request=request,
            response=response,
            reference=reference,
            status="received",
            received_at=received_at,
            updated_at=received_at,
            check_report=check_report,
        )

    def set_status(self, kiosk_id: str, submission_id: str, status: str, now: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE submissions SET status = ?, updated_at = ? WHERE kiosk_id = ? AND submission_id = ?",
                (status, now, kiosk_id, submission_id),
            )
            return cur.rowcount == 1

    def submissions(self) -> list[StoredSubmission]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {self._COLUMNS} FROM submissions ORDER BY seq").fetchall()
        return [s for s in map(self._submission, rows) if s is not None]

    # -- catalogs ---------------------------------------------------------------------

    def current_catalog(self, region: str, conn: sqlite3.Connection | None = None) -> tuple[int, str, str] | None:
        """(version, bundle JSON, etag) of the region's highest version, or None."""
        query = "SELECT version, bundle, etag FROM catalogs WHERE region = ? ORDER BY version DESC LIMIT 1"
        if conn is not None:
            return conn.execute(query, (region,)).fetchone()
        with self._connect() as own:
            return own.execute(query, (region,)).fetchone()

    def insert_catalog(
        self, conn: sqlite3.Connection, region: str, version: int, bundle: str, etag: str, now: str
    ) -> None:
        conn.execute(
            "INSERT INTO catalogs (region, version, bundle, etag, published_at) VALUES (?, ?, ?, ?, ?)",
            (region, version, bundle, etag, now),
        )

    # -- heartbeats -------------------------------------------------------------------

    def put_heartbeat(self, kiosk_id: str, body: dict[str, Any], now: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO heartbeats (kiosk_id, received_at, count, body) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at,"
                " count = count + 1, body = excluded.body",
                (kiosk_id, now, json.dumps(body, ensure_ascii=False)),
            )

    def heartbeats(self) -> list[dict[str, Any]]:
        with self._connect() as conn:
            rows = conn.execute("SELECT kiosk_id, received_at, count, body FROM heartbeats ORDER BY kiosk_id").fetchall()
        return [
            {"kiosk_id": k, "received_at": r, "count": c, "last": json.loads(b)} for k, r, c, b in rows
        ]

    # -- audit heads (append-only: triggers refuse UPDATE and DELETE) ---------------------

    def add_audit_head(self, kiosk_id: str, seq: int, digest: str, now: str) -> None:
        """Keep a head the kiosk reported; one reported again keeps its first time."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO audit_heads (kiosk_id, seq, hash, received_at) VALUES (?, ?, ?, ?)",
                (kiosk_id, seq, digest, now),
            )

    def audit_heads(self, kiosk_id: str) -> list[dict[str, Any]]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT seq, hash, received_at FROM audit_heads WHERE kiosk_id = ? ORDER BY seq, received_at, hash",
                (kiosk_id,),
            ).fetchall()
        return [{"seq": seq, "hash": digest, "received_at": at} for seq, digest, at in rows]
