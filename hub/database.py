"""The hub's storage engines behind one small interface: SQLite (the embedded default) and
PostgreSQL (psycopg 3, for a province's fleet).

`HubStore` writes its SQL once, with `?` placeholders and syntax both engines take
(`ON CONFLICT`, `RETURNING`); an engine hands out connections whose `execute` takes that SQL.
Each engine keeps one connection per thread (FastAPI runs handlers on a thread pool; neither
driver's connection may be used by two threads at once) and offers three ways in:

- `connection()`: reads;
- `write()`: a write that one statement makes atomic on its own (SQLite: still behind the
  process's write lock, see `hub.db_sqlite`; PostgreSQL: no lock, concurrent);
- `transaction()`: check-then-write, serialised against every other `transaction()` of the
  database (SQLite: `BEGIN IMMEDIATE` behind a process lock; PostgreSQL: a transaction-level
  advisory lock, which also serialises other processes such as `hub --publish-catalog`);
- `close()`: every thread's connection, at shutdown.

`open_database(location)` picks the engine: a `postgresql://` URL, else a SQLite file path;
`hub.store.HubStore.open` then brings its schema up to date (`hub.migrations`).
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg

#: What a failing database raises, whichever the engine (for callers that log and go on).
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, query: str, params: tuple[Any, ...] = ..., /) -> Cursor: ...


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


class Database(ABC):
    """One hub database; see the module docstring. Subclasses open the thread's connection."""

    engine: str

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    @abstractmethod
    def _open(self) -> Any:
        """A new connection in autocommit mode (transactions are begun explicitly)."""

    @abstractmethod
    def _wrap(self, raw: Any) -> Connection:
        """What `connection()` yields for a raw connection."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def write(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def describe(self) -> str:
        """Where the data is, for messages (no password)."""

    def _raw(self) -> Any:
        raw = getattr(self._local, "conn", None)
        if raw is None:
            raw = self._open()
            self._local.conn = raw
            with self._lock:
                self._all.append(raw)
        return raw

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """This thread's connection (opened on first use)."""
        yield self._wrap(self._raw())

    def close(self) -> None:
        """Close every thread's connection (at shutdown, when no request is running)."""
        with self._lock:
            for raw in self._all:
                raw.close()
            self._all.clear()
        self._local = threading.local()


def open_database(location: str | Path, *, durable: bool = True, busy_timeout_s: float = 30.0) -> Database:
    """The engine for `location`: a `postgresql://` URL or a SQLite file (created if missing)."""
    if is_postgres(location):
        from hub.db_postgres import PostgresDatabase

        return PostgresDatabase(str(location), durable=durable, timeout_s=busy_timeout_s)
    from hub.db_sqlite import SqliteDatabase

    return SqliteDatabase(Path(location), durable=durable, busy_timeout_s=busy_timeout_s)
