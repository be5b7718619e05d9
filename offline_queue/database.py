"""The queue database file: one SQLite connection (WAL, synchronous=FULL), its lock, its upkeep.

Station and daemon each open the same file. Opening applies the pragmas that make a commit
durable and refuses to run when they do not stick, then applies the schema migrations
(`offline_queue.migrations`) under one write lock. Why the file cannot grow without bound:
it runs with `auto_vacuum=INCREMENTAL`, so `reclaim` hands freed pages back to the file
system, and WAL checkpoints run in the background after every few MiB written.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from offline_queue.api import QueueError
from offline_queue.filemodes import private_dir, private_file, sqlite_files, tighten
from offline_queue.migrations import migrations

BUSY_TIMEOUT_S = 15.0
CHECKPOINT_AFTER_BYTES = 2 * 1024 * 1024
AUTOCHECKPOINT_PAGES = 256  # x 16 KiB: past 4 MiB the committing connection checkpoints itself
SYNCHRONOUS_FULL = 2
AUTO_VACUUM_INCREMENTAL = 2
# 16 KiB pages: a 300 KB sealed image is a chain of ~19 overflow pages instead of ~75, so
# fewer WAL frames, fewer pointer-map entries (auto_vacuum), less per-page overhead.
PAGE_SIZE = 16384


def first_row(cursor: sqlite3.Cursor) -> Any:
    """The first row, with the statement run to completion.

    `fetchone()` leaves the statement active, and an active statement holds a read snapshot
    of the WAL: checkpoints cannot finish and the WAL cannot restart, so it only grows.
    """
    rows = cursor.fetchall()
    return rows[0] if rows else None


class QueueDatabase:
    """One connection, one lock, explicit transactions (`BEGIN IMMEDIATE` for writes)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()
        # Checkpoints copy the WAL into the database file and fsync it: tens of ms. Run them
        # on a second connection in the background (PASSIVE: writers keep appending), so a
        # writer only pays for its own WAL append + fsync. Automatic checkpoints stay on at
        # a larger size (AUTOCHECKPOINT_PAGES) as the safety net that bounds the WAL.
        self._checkpoint_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._checkpoint_job: Future[None] | None = None
        self._unchecked_bytes = 0

    @classmethod
    def open(cls, path: Path) -> QueueDatabase:
        """Open (creating and migrating if needed); refuses unless WAL + synchronous=FULL."""
        try:
            return cls(_connect(path), path)
        except sqlite3.DatabaseError as exc:
            raise QueueError(
                f"cannot open queue database {path}: {exc} (queue export --salvage DIR copies out the intact records)"
            ) from exc
        except sqlite3.Error as exc:
            raise QueueError(f"cannot open queue database {path}: {exc}") from exc

    @contextlib.contextmanager
    def write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. `durable=False` commits without the fsync (synchronous=NORMAL
        for this one commit): it survives the process being killed, not a power cut; only for
        facts that are cheap to lose (a hint the platform can repeat), never a queued record."""
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY mid-way when the other process writes too.
        with self.lock:
            if not durable:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
            finally:
                if not durable:
                    self.conn.execute("PRAGMA synchronous=FULL")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn

    def wrote(self, nbytes: int) -> None:
        """Count bytes committed; past `CHECKPOINT_AFTER_BYTES` start a background checkpoint."""
        self._unchecked_bytes += nbytes
        if self._unchecked_bytes >= CHECKPOINT_AFTER_BYTES and (
            self._checkpoint_job is None or self._checkpoint_job.done()
        ):
            self._unchecked_bytes = 0
            self._checkpoint_job = self._checkpoint_pool.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        """PASSIVE checkpoint on a private connection (background thread); never blocks a writer."""
        conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # busy or closing: the next checkpoint (or the automatic one) catches up
        finally:
            conn.close()

    def reclaim(self) -> None:
        """Return free pages to the file system and truncate the WAL if no reader holds it."""
        with self.read() as conn:
            # executescript steps the pragma to completion; one execute() frees a single page.
            conn.executescript("PRAGMA incremental_vacuum;")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def integrity_check(self) -> str:
        with self.read() as conn:
            return first_row(conn.execute("PRAGMA integrity_check"))[0]

    def quick_check(self) -> str:
        """SQLite's `quick_check` (structure, not index contents): "ok", or its first finding."""
        with self.read() as conn:
            try:
                return str(first_row(conn.execute("PRAGMA quick_check(1)"))[0])
            except sqlite3.DatabaseError as exc:
                return str(exc)

    def close(self) -> None:
        self._checkpoint_pool.shutdown(wait=True)
        with self.lock:
            self.conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    # Private before SQLite opens it: the file exists 0600 (SQLite gives its -wal and -shm
    # the database's mode), its folder 0700; files an older build left wider are tightened.
    private_dir(path.parent)
    private_file(path)
    for side in sqlite_files(path):
        tighten(side)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        # page_size and auto_vacuum only take effect on a database without tables: set them first.
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute(f"PRAGMA auto_vacuum={AUTO_VACUUM_INCREMENTAL}")
        mode = first_row(conn.execute("PRAGMA journal_mode=WAL"))[0]
        if str(mode).lower() != "wal":
            raise QueueError(f"queue database refused WAL mode (journal_mode={mode})")
        conn.execute("PRAGMA synchronous=FULL")
        sync = first_row(conn.execute("PRAGMA synchronous"))[0]
        if sync != SYNCHRONOUS_FULL:
            raise QueueError(f"queue database is not synchronous=FULL (synchronous={sync}); refusing to run")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA journal_size_limit=4194304")
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        # Migrations race when station and daemon open a fresh file at once: serialise them
        # under one write lock (sqlite-utils nests its own transactions as savepoints).
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(Database(conn, execute_plugins=False))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if first_row(conn.execute("PRAGMA auto_vacuum"))[0] != AUTO_VACUUM_INCREMENTAL:
            # A file created before auto_vacuum was set: rebuild it once so space is reclaimable.
            conn.execute("VACUUM")
    except BaseException:
        conn.close()
        raise
    return conn
