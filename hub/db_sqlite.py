"""The SQLite engine (`hub.database`): one file, WAL, one writer at a time.

Connections are kept open per thread: closing the last connection to a WAL database
checkpoints it, which made every request pay a checkpoint. WAL lets readers proceed while a
writer commits. The file is created with mode 0600 before SQLite opens it (SQLite gives -wal
and -shm the database file's mode).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from hub.database import Connection, Database


class SqliteDatabase(Database):
    """`durable=False` uses `synchronous=NORMAL` (benchmarks: WAL still survives a crash of
    the hub process, not a power cut)."""

    engine = "sqlite"

    def __init__(self, path: Path, *, durable: bool = True, busy_timeout_s: float = 30.0) -> None:
        super().__init__()
        self.path = path
        self.durable = durable
        self._synchronous = "FULL" if durable else "NORMAL"
        self._busy_timeout_s = busy_timeout_s
        self._write_lock = threading.Lock()  # see transaction()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        with self.connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() may close it; it is used by one thread.
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        return conn

    def _wrap(self, raw: sqlite3.Connection) -> Connection:
        return raw  # takes `?` placeholders as they are

    def describe(self) -> str:
        return str(self.path)

    def write(self) -> AbstractContextManager[Connection]:
        """One writer at a time here too: a writer waiting in SQLite's busy handler sleeps
        instead of waking when the lock is free (see `transaction`)."""
        return self.transaction()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction taken up front (BEGIN IMMEDIATE): check-then-insert is atomic.

        SQLite allows one writer at a time anyway; this process's writers queue on a lock
        first, because a thread that finds SQLite's write lock taken sleeps in the busy
        handler (1, 2, 5, 10... ms) instead of waking when it is released: with a few
        concurrent PUTs most of the hub's time went to those sleeps. The busy timeout still
        covers other processes on the same file.
        """
        with self.connection() as conn, self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
