"""The outbox's schema, as sqlite-utils migrations (applied in order, each recorded once).

Why these shapes:
- `submissions.seq` (INTEGER PRIMARY KEY) orders delivery oldest-first with an index that
  SQLite gets for free; `id` (UUID4 text) is the idempotency key on the wire.
- Sealed attachments live in the database as BLOBs (`attachments.data`), so a submission and
  its attachments become durable in ONE transaction with one fsync discipline: no orphan
  files after a crash, no half-written file that a manifest points to, and
  `PRAGMA integrity_check` covers everything. See docs/queue.md.
- Nothing in clear text is personal: payloads and attachments are sealed; the receipt number,
  service code and catalog version are what the receipt and the wire show anyway.
- `sync_state` is a tiny key/value table for the daemon's alarms and the catalog's ETag.
- `catalog` holds at most two rows (`active`, `staged`): signed bundles are not personal.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("offline_queue")


@migrations()
def m001_outbox(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE submissions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            receipt_number TEXT NOT NULL,
            service_code TEXT NOT NULL,
            catalog_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_ts REAL NOT NULL,
            sealed_alg TEXT NOT NULL,
            sealed_key_id TEXT NOT NULL,
            sealed_payload BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'in_flight', 'delivered', 'quarantined')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ts REAL NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until_ts REAL,
            last_error TEXT,
            reference TEXT,
            received_at TEXT,
            delivered_ts REAL,
            quarantine_reason TEXT
        )
        """
    )
    db.execute("CREATE INDEX submissions_due ON submissions (state, next_attempt_ts, seq)")
    db.execute("CREATE INDEX submissions_delivered ON submissions (state, delivered_ts)")
    db.execute(
        """
        CREATE TABLE attachments (
            submission_seq INTEGER NOT NULL REFERENCES submissions (seq) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            role TEXT NOT NULL,
            content_type TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (submission_seq, position)
        )
        """
    )
    db.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """
        CREATE TABLE catalog (
            slot TEXT PRIMARY KEY CHECK (slot IN ('active', 'staged')),
            version INTEGER NOT NULL,
            region TEXT NOT NULL,
            effective_from TEXT NOT NULL,
            expires_at TEXT,
            payload TEXT NOT NULL,
            bundle TEXT NOT NULL,
            installed_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m002_integrity_and_recovery(db: Database) -> None:
    """What finding 7 and 12 of issue 12 needed: a hash of the sealed payload (attachments had
    one already), so damaged stored bytes are found before they are sent; the attachments the
    platform confirmed (a table of their own: updating an attachment row would rewrite its
    BLOB), so a retry or a restart does not send them again; and whether a pending record
    last failed for network reasons only, so it is due at once when the network is back."""
    db.execute("ALTER TABLE submissions ADD COLUMN payload_sha256 TEXT")
    db.execute("ALTER TABLE submissions ADD COLUMN network_retry INTEGER NOT NULL DEFAULT 0")
    db.execute(
        """
        CREATE TABLE accepted (
            submission_seq INTEGER NOT NULL REFERENCES submissions (seq) ON DELETE CASCADE,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (submission_seq, sha256)
        ) WITHOUT ROWID
        """
    )
