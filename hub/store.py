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
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS attachments (
    submission_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (submission_id, sha256)
);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    check_report TEXT NOT NULL
);
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

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

    # -- attachments ------------------------------------------------------------------

    def put_attachment(self, submission_id: str, sha256: str, data: bytes, now: str) -> bool:
        """Store sealed bytes; True if new, False if this (id, hash) was already stored."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO attachments (submission_id, sha256, size, data, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (submission_id, sha256, len(data), data, now),
            )
            return cur.rowcount == 1

    def attachment(self, submission_id: str, sha256: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT data FROM attachments WHERE submission_id = ? AND sha256 = ?",
                (submission_id, sha256),
            ).fetchone()
        return None if row is None else bytes(row[0])

    def attachment_sizes(self, submission_id: str) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT sha256, size FROM attachments WHERE submission_id = ?", (submission_id,)
            ).fetchall()
        return dict(rows)

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

    def submission(self, submission_id: str, conn: sqlite3.Connection | None = None) -> StoredSubmission | None:
        query = f"SELECT {self._COLUMNS} FROM submissions WHERE submission_id = ?"
        if conn is not None:
            return self._submission(conn.execute(query, (submission_id,)).fetchone())
        with self._connect() as own:
            return self._submission(own.execute(query, (submission_id,)).fetchone())

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

    def set_status(self, submission_id: str, status: str, now: str) -> bool:
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE submissions SET status = ?, updated_at = ? WHERE submission_id = ?",
                (status, now, submission_id),
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
