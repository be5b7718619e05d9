"""The hub's storage: submissions, attachments, catalogs, heartbeats, audit heads, help
requests; on either engine of `hub.database` (SQLite by default, PostgreSQL for a fleet).

The SQL here is written once for both engines. Every write that must be idempotent runs in
the database's `transaction()` (serialised), so two identical PUTs that race are
serialised: the first inserts, the second finds the row and replays it. Writes that one
statement makes atomic (`ON CONFLICT`) run without it.

Only sealed bytes are stored. The hub opens sealed payloads to *check* them and keeps a
digest and the list of top-level field names, never the plaintext.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.attachment_files import AttachmentFiles
from hub.database import Connection, Database, is_postgres, open_database
from hub.migrations import migrate

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
    """Storage for one hub over `database`; attachment bytes in `files`."""

    def __init__(self, database: Database, files: AttachmentFiles) -> None:
        self.database = database
        self.files = files
        migrate(database, files)

    @classmethod
    def open(
        cls, location: str | Path, *, attachments_dir: Path | None = None, durable: bool = True
    ) -> HubStore:
        """The store at `location` (a SQLite file, created with its schema if missing, or a
        `postgresql://` URL). Attachments go to `attachments_dir`, by default `attachments`
        beside the SQLite file (required with PostgreSQL)."""
        if attachments_dir is None:
            if is_postgres(location):
                raise ValueError("a PostgreSQL hub needs attachments_dir")
            attachments_dir = Path(location).parent / "attachments"
        database = open_database(location, durable=durable)
        try:
            return cls(database, AttachmentFiles(attachments_dir, durable=durable))
        except BaseException:
            database.close()
            raise

    def close(self) -> None:
        self.database.close()

    def transaction(self) -> AbstractContextManager[Connection]:
        """A serialised write transaction (see `hub.database`)."""
        return self.database.transaction()

    def _connect(self) -> AbstractContextManager[Connection]:
        return self.database.connection()

    # -- attachments (rows here, bytes in `self.files`) ----------------------------------

    def put_attachment(self, kiosk_id: str, submission_id: str, sha256: str, size: int, now: str) -> bool:
        """Record a committed file; True if new, False if (kiosk, id, hash) was already stored."""
        with self.database.write() as conn:
            cur = conn.execute(
                "INSERT INTO attachments (kiosk_id, submission_id, sha256, size, received_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
    def _submission(row: tuple | None) -> StoredSubmission | None:
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
        self, kiosk_id: str, submission_id: str, conn: Connection | None = None
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
        conn: Connection,
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
        seq = conn.execute(
            "INSERT INTO submissions (submission_id, kiosk_id, service_code, content_sha256, request,"
            " response, reference, status, received_at, updated_at, check_report)"
            " VALUES (?, ?, ?, ?, ?, '', '', 'received', ?, ?, ?) RETURNING seq",
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
        ).fetchone()[0]
        reference = f"{reference_prefix}{seq:08d}"
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
            (reference, response, seq),
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

    def current_catalog(self, region: str, conn: Connection | None = None) -> tuple[int, str, str] | None:
        """(version, bundle JSON, etag) of the region's highest version, or None."""
        query = "SELECT version, bundle, etag FROM catalogs WHERE region = ? ORDER BY version DESC LIMIT 1"
        if conn is not None:
            return conn.execute(query, (region,)).fetchone()
        with self._connect() as own:
            return own.execute(query, (region,)).fetchone()

    def insert_catalog(
        self, conn: Connection, region: str, version: int, bundle: str, etag: str, now: str
    ) -> None:
        conn.execute(
            "INSERT INTO catalogs (region, version, bundle, etag, published_at) VALUES (?, ?, ?, ?, ?)",
            (region, version, bundle, etag, now),
        )

    # -- heartbeats -------------------------------------------------------------------

    def put_heartbeat(self, kiosk_id: str, body: dict[str, Any], now: str) -> None:
        with self.database.write() as conn:
            conn.execute(
                "INSERT INTO heartbeats (kiosk_id, received_at, count, body) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (kiosk_id) DO UPDATE SET received_at = excluded.received_at,"
                " count = heartbeats.count + 1, body = excluded.body",
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
        with self.database.write() as conn:
            conn.execute(
                "INSERT INTO audit_heads (kiosk_id, seq, hash, received_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (kiosk_id, seq, digest, now),
            )

    def audit_heads(self, kiosk_id: str) -> list[dict[str, Any]]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT seq, hash, received_at FROM audit_heads WHERE kiosk_id = ? ORDER BY seq, received_at, hash",
                (kiosk_id,),
            ).fetchall()
        return [{"seq": seq, "hash": digest, "received_at": at} for seq, digest, at in rows]

    # -- help requests (SERVICE_API 1.1; no personal data) -------------------------------

    def add_help_request(self, kiosk_id: str, kind: str, session_step: str, requested_at: str, now: str) -> None:
        with self.database.write() as conn:
            conn.execute(
                "INSERT INTO help_requests (kiosk_id, kind, session_step, requested_at, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (kiosk_id, kind, session_step, requested_at, now),
            )

    def help_requests(self, *, kiosk_id: str | None = None, since: str = "", limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first: one kiosk's (or every kiosk's) received at or after `since`."""
        query = "SELECT kiosk_id, kind, session_step, requested_at, received_at FROM help_requests WHERE received_at >= ?"
        params: tuple[Any, ...] = (since,)
        if kiosk_id is not None:
            query += " AND kiosk_id = ?"
            params += (kiosk_id,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
        keys = ("kiosk_id", "kind", "session_step", "requested_at", "received_at")
        return [dict(zip(keys, row)) for row in rows]

    # -- what the fleet console summarises ------------------------------------------------

    def catalogs_published(self) -> list[dict[str, Any]]:
        """Every published version (no bundle), by region then version."""
        with self._connect() as conn:
            rows = conn.execute("SELECT region, version, published_at FROM catalogs ORDER BY region, version").fetchall()
        return [{"region": r, "version": v, "published_at": at} for r, v, at in rows]

    def submission_counts(self) -> list[tuple[str, str, int]]:
        """(kiosk, status, how many): the cases' counts, nothing else of them."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT kiosk_id, status, count(*) FROM submissions GROUP BY kiosk_id, status ORDER BY kiosk_id, status"
            ).fetchall()
        return [(k, s, int(n)) for k, s, n in rows]

    def audit_head_count(self, kiosk_id: str) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM audit_heads WHERE kiosk_id = ?", (kiosk_id,)).fetchone()[0])

    def heartbeat_stamps(self) -> list[tuple[str, str, int]]:
        """(kiosk, received_at, count) of every latest heartbeat, without the bodies."""
        with self._connect() as conn:
            return [tuple(r) for r in conn.execute("SELECT kiosk_id, received_at, count FROM heartbeats").fetchall()]

    def heartbeat_bodies(self, kiosk_ids: list[str]) -> dict[str, tuple[str, int, dict[str, Any]]]:
        """kiosk -> (received_at, count, body) for these kiosks, in chunks of 500."""
        out: dict[str, tuple[str, int, dict[str, Any]]] = {}
        with self._connect() as conn:
            for i in range(0, len(kiosk_ids), 500):
                chunk = kiosk_ids[i:i + 500]
                rows = conn.execute(
                    f"SELECT kiosk_id, received_at, count, body FROM heartbeats WHERE kiosk_id IN ({','.join('?' * len(chunk))})",
                    tuple(chunk),
                ).fetchall()
                out.update({k: (r, c, json.loads(b)) for k, r, c, b in rows})
        return out
