"""Bringing a hub database from before kiosk namespaces (schema version 0) to version 1.

Version 0 keyed submissions by id alone and kept attachment bytes in the database (SQLite
was then the only engine). The upgrade runs inside `hub.migrations.migrate`'s transaction: submissions keep their row numbers (so
references and replayed receipts stay byte for byte the same) with ids in lower case;
attachment bytes move to files under the kiosk of the submission that names their id (an
attachment whose submission never came belongs to no kiosk: it stays an orphan and is purged
like any other).
"""

from __future__ import annotations

from hub.attachment_files import AttachmentFiles
from hub.database import Connection


def _columns(conn: Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def upgrade_needed(conn: Connection) -> bool:
    return conn.execute("PRAGMA user_version").fetchone()[0] == 0 and "data" in _columns(conn, "attachments")


def upgrade(conn: Connection, files: AttachmentFiles) -> None:
    """Rename the old tables away, create version 1's, copy, drop the old."""
    conn.execute("ALTER TABLE attachments RENAME TO attachments_v0")
    conn.execute("ALTER TABLE submissions RENAME TO submissions_v0")
    conn.execute("DROP INDEX IF EXISTS submissions_by_id")
    from hub.migrations import statements  # hub.migrations imports this module

    for statement in statements("sqlite", 1):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO submissions SELECT seq, lower(submission_id), kiosk_id, service_code, content_sha256, request,"
        " response, reference, status, received_at, updated_at, check_report FROM submissions_v0"
    )
    rows = conn.execute(
        "SELECT coalesce(s.kiosk_id, ''), lower(a.submission_id), a.sha256, a.size, a.received_at, a.data"
        " FROM attachments_v0 a LEFT JOIN submissions_v0 s ON lower(s.submission_id) = lower(a.submission_id)"
    )
    for kiosk_id, submission_id, sha256, size, received_at, data in rows:
        files.write(kiosk_id, submission_id, sha256, bytes(data))
        conn.execute(
            "INSERT OR IGNORE INTO attachments (kiosk_id, submission_id, sha256, size, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (kiosk_id, submission_id, sha256, size, received_at),
        )
    conn.execute("DROP TABLE attachments_v0")
    conn.execute("DROP TABLE submissions_v0")
