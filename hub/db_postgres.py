"""The PostgreSQL engine (`hub.database`), through psycopg 3.

Each thread keeps its own connection in autocommit mode; `transaction()` begins a transaction
and takes one advisory lock (`WRITE_LOCK`) for it, so check-then-write sequences (a
submission's replay check and insert, a catalog's version check and insert) are serialised
across threads and processes, as SQLite serialises them. Single-statement writes (heartbeat
upserts, attachment rows, audit heads) need no lock and run concurrently.
Every wait is bounded: the connect timeout, and `statement_timeout` / `lock_timeout` set on
each connection. `durable=False` turns `synchronous_commit` off (benchmarks only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any

import psycopg

from hub.database import Connection, Cursor, Database

#: The advisory lock key every `transaction()` holds (any fixed number; "hub" in ASCII).
WRITE_LOCK = 0x687562


@lru_cache(maxsize=256)
def _placeholders(query: str) -> str:
    """`?` placeholders as psycopg's `%s` (the store's SQL has no `?` or `%` in literals)."""
    return re.sub(r"\?", "%s", query)


class _PgConnection:
    """A psycopg connection taking the store's `?` SQL."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self._raw = raw

    def execute(self, query: str, params: tuple[Any, ...] = ()) -> Cursor:
        return self._raw.execute(_placeholders(query), params)


class PostgresDatabase(Database):
    engine = "postgresql"

    def __init__(self, url: str, *, durable: bool = True, timeout_s: float = 30.0) -> None:
        super().__init__()
        self.url = url
        self.durable = durable
        self._timeout_s = timeout_s

    def _open(self) -> psycopg.Connection:
        ms = int(self._timeout_s * 1000)
        options = f"-c statement_timeout={ms} -c lock_timeout={ms}"
        if not self.durable:
            options += " -c synchronous_commit=off"
        return psycopg.connect(
            self.url, autocommit=True, connect_timeout=max(1, int(self._timeout_s)), options=options
        )

    def _wrap(self, raw: psycopg.Connection) -> Connection:
        return _PgConnection(raw)

    def write(self) -> AbstractContextManager[Connection]:
        return self.connection()  # autocommit: the statement is its own transaction

    def describe(self) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        info.pop("password", None)
        return "postgresql: " + " ".join(f"{k}={v}" for k, v in sorted(info.items()))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        raw = self._raw()
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield _PgConnection(raw)
