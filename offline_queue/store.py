"""The durable outbox: one SQLite file (WAL, synchronous=FULL) shared by station and daemon.

The station calls `Outbox.enqueue` and gets an `Enqueued` back only after the sealed
submission and all its sealed attachments are committed in ONE transaction; the receipt may
print from that moment. The sync daemon leases the oldest due record (`claim`), delivers it
and settles it (`delivered` / `quarantine` / `retry_later` / `release`). Every settle is
fenced by the lease owner, so a daemon whose lease expired (it hung, or was killed and
restarted) cannot overwrite what another attempt decided.

Why the file cannot grow without bound: delivered records are deleted after the retention
period (`purge`), and the database runs with `auto_vacuum=INCREMENTAL`, so `purge` hands the
freed pages back to the file system (`PRAGMA incremental_vacuum`) and truncates the WAL.

Everything that reaches this file is sealed first (`offline_queue.sealing`): the payload
JSON and each attachment's bytes. What stays clear (receipt number, service code, catalog
version, sizes, hashes, states) is what the receipt and the wire show anyway.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlite_utils import Database

from offline_queue.api import (
    DeliveryStatus,
    Enqueued,
    NewSubmission,
    QueueCounts,
    QueueError,
    QueueFull,
    ReceiptDetails,
    RecordState,
)
from offline_queue.migrations import migrations
from offline_queue.sealing import ALG, Sealer
from offline_queue.settings import QueueSettings

DEFAULT_MIN_FREE_BYTES = 512 * 1024 * 1024
DEFAULT_LEASE_SECONDS = 120.0
DEFAULT_RETENTION_DAYS = 30.0
BUSY_TIMEOUT_S = 15.0
CHECKPOINT_AFTER_BYTES = 2 * 1024 * 1024
AUTOCHECKPOINT_PAGES = 256  # x 16 KiB: past 4 MiB the committing connection checkpoints itself
SYNCHRONOUS_FULL = 2
AUTO_VACUUM_INCREMENTAL = 2
# 16 KiB pages: a 300 KB sealed image is a chain of ~19 overflow pages instead of ~75, so
# fewer WAL frames, fewer pointer-map entries (auto_vacuum), less per-page overhead.
PAGE_SIZE = 16384


def utc_now_rfc3339(ts: float | None = None) -> str:
    """RFC 3339 UTC with milliseconds and a `Z`, as the contract's timestamps are."""
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_payload(payload: dict[str, Any]) -> bytes:
    """The bytes that get sealed: UTF-8 JSON, keys sorted, no white space."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def first_row(cursor: sqlite3.Cursor) -> Any:
    """The first row, with the statement run to completion.

    `fetchone()` leaves the statement active, and an active statement holds a read snapshot
    of the WAL: checkpoints cannot finish and the WAL cannot restart, so it only grows.
    """
    rows = cursor.fetchall()
    return rows[0] if rows else None


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """One entry of a record's manifest: the SEALED bytes' hash and size, and their role."""

    position: int
    role: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Record:
    """A queued submission as the daemon sees it: everything sealed, nothing readable."""

    seq: int
    submission_id: str
    receipt_number: str
    service_code: str
    catalog_version: int
    created_at: str
    sealed_alg: str
    sealed_key_id: str
    sealed_payload: bytes = field(repr=False)
    attempts: int
    attachments: tuple[AttachmentRef, ...]
    lease_owner: str | None = None

    def body(self, kiosk_id: str) -> dict[str, Any]:
        """The `PUT /v1/submissions/{id}` body: the same bytes on every retry (idempotency)."""
        return {
            "submission_id": self.submission_id,
            "kiosk_id": kiosk_id,
            "service_code": self.service_code,
            "catalog_version": self.catalog_version,
            "created_at": self.created_at,
            "receipt_number": self.receipt_number,
            "attachments": [
                {"sha256": a.sha256, "size": a.size, "role": a.role} for a in self.attachments
            ],
            "sealed": {
                "alg": self.sealed_alg,
                "recipient_key_id": self.sealed_key_id,
                "ciphertext": base64.b64encode(self.sealed_payload).decode(),
            },
        }


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of one delivery attempt, to be written under the record's lease."""

    record: Record
    sql: str
    params: tuple[Any, ...]

    @classmethod
    def delivered(cls, record: Record, reference: str, received_at: str | None) -> Settlement:
        return cls(
            record,
            "state = 'delivered', reference = ?, received_at = ?, delivered_ts = ?,"
            " attempts = attempts + 1, last_error = NULL",
            (reference, received_at, time.time()),
        )

    @classmethod
    def quarantined(cls, record: Record, reason: str) -> Settlement:
        return cls(record, "state = 'quarantined', quarantine_reason = ?, attempts = attempts + 1", (reason,))

    @classmethod
    def retry_later(cls, record: Record, delay_s: float, error: str) -> Settlement:
        return cls(
            record,
            "state = 'pending', next_attempt_ts = ?, attempts = attempts + 1, last_error = ?",
            (time.time() + delay_s, error),
        )

    @classmethod
    def released(cls, record: Record) -> Settlement:
        return cls(record, "state = 'pending'", ())


class VerifiedCatalog(Protocol):
    """What `CatalogState.install` needs of `catalog_bundle.VerifiedBundle`."""

    payload: dict[str, Any]
    version: int
    region: str
    effective_from: datetime
    expires_at: datetime | None
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """An installed catalog bundle (active or staged)."""

    version: int
    region: str
    effective_from: datetime
    expires_at: datetime | None
    payload: dict[str, Any] = field(repr=False)
    bundle: dict[str, Any] = field(repr=False)


class _Db:
    """One connection, one lock, explicit transactions (`BEGIN IMMEDIATE` for writes)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY mid-way when the other process writes too.
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.conn


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
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


class Outbox:
    """The station's durable, sealed outbox. Thread-safe; one per process."""

    def __init__(
        self,
        db: _Db,
        path: Path,
        sealer: Sealer,
        *,
        min_free_bytes: int,
        lease_seconds: float,
        retention_days: float,
    ) -> None:
        self._db = db
        self.path = path
        self._sealer = sealer
        self.min_free_bytes = min_free_bytes
        self.lease_seconds = lease_seconds
        self.retention_days = retention_days
        self.catalog = CatalogState(db)
        # Checkpoints copy the WAL into the database file and fsync it: tens of ms. Run them
        # on a second connection in the background (PASSIVE: writers keep appending), so an
        # enqueue only pays for its own WAL append + fsync. Automatic checkpoints stay on at
        # a larger size (AUTOCHECKPOINT_PAGES) as the safety net that bounds the WAL.
        self._checkpoint_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._checkpoint_job: Future[None] | None = None
        self._unchecked_bytes = 0

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        sealer: Sealer,
        *,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        retention_days: float = DEFAULT_RETENTION_DAYS,
    ) -> Outbox:
        """Open (creating and migrating if needed); refuses unless WAL + synchronous=FULL."""
        db_path = Path(path)
        try:
            conn = _connect(db_path)
        except sqlite3.Error as exc:
            raise QueueError(f"cannot open queue database {db_path}: {exc}") from exc
        return cls(
            _Db(conn),
            db_path,
            sealer,
            min_free_bytes=min_free_bytes,
            lease_seconds=lease_seconds,
            retention_days=retention_days,
        )

    @classmethod
    def from_settings(cls, settings: QueueSettings, path: str | os.PathLike[str] | None = None) -> Outbox:
        """The composition root's call: `path` is `settings.db_path` resolved against the config."""
        return cls.open(
            settings.db_path if path is None else path,
            Sealer(settings.sealing_public_key, settings.sealing_key_id),
            min_free_bytes=settings.min_free_bytes,
            lease_seconds=settings.lease_seconds,
            retention_days=settings.retention_days,
        )

    def close(self) -> None:
        self._checkpoint_pool.shutdown(wait=True)
        with self._db.lock:
            self._db.conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- station side

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.path.parent).free

    def enqueue(self, submission: NewSubmission) -> Enqueued:
        """Seal and store one submission with its attachments, atomically and durably.

        Raises `QueueFull` (nothing written) when the disk would fall below the floor.
        """
        sealer = self._sealer
        plain_payload = canonical_payload(submission.payload)
        incoming = sealer.sealed_size(len(plain_payload)) + sum(
            sealer.sealed_size(len(a.data)) for a in submission.attachments
        )
        free = self.free_bytes()
        if free - incoming < self.min_free_bytes:
            raise QueueFull(
                f"free disk {free // (1024 * 1024)} MiB is below the floor of "
                f"{self.min_free_bytes // (1024 * 1024)} MiB: new submissions are refused"
            )
        # Everything is sealed and hashed before the write lock is taken, in this thread: about
        # 0.8 ms for three 300 KB images. A thread pool that overlapped sealing with the inserts
        # (the first build) was slower on the station's two cores: waking its threads and
        # handing the GIL back and forth cost more than the overlap saved (bench/queue.py).
        sealed_payload = sealer.seal(plain_payload)
        sealed_attachments = [self._seal_and_hash(a.data) for a in submission.attachments]
        submission_id = str(uuid.uuid4())
        now = time.time()
        created_at = utc_now_rfc3339(now)
        with self._db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO submissions (id, receipt_number, service_code, catalog_version,"
                " created_at, created_ts, sealed_alg, sealed_key_id, sealed_payload, next_attempt_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    submission_id,
                    submission.receipt_number,
                    submission.service_code,
                    submission.catalog_version,
                    created_at,
                    now,
                    ALG,
                    sealer.key_id,
                    sealed_payload,
                    now,
                ),
            )
            for position, (attachment, (digest, sealed)) in enumerate(
                zip(submission.attachments, sealed_attachments, strict=True)
            ):
                conn.execute(
                    "INSERT INTO attachments (submission_seq, position, role, content_type, sha256, size, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (cursor.lastrowid, position, attachment.role, attachment.content_type, digest, len(sealed), sealed),
                )
        self._unchecked_bytes += incoming
        if self._unchecked_bytes >= CHECKPOINT_AFTER_BYTES and (
            self._checkpoint_job is None or self._checkpoint_job.done()
        ):
            self._unchecked_bytes = 0
            self._checkpoint_job = self._checkpoint_pool.submit(self._checkpoint)
        return Enqueued(submission_id, submission.receipt_number, created_at)

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

    def _seal_and_hash(self, data: bytes) -> tuple[str, bytes]:
        sealed = self._sealer.seal(data)
        return hashlib.sha256(sealed).hexdigest(), sealed

    def counts(self, now: float | None = None) -> QueueCounts:
        """Counts per state (an expired lease counts as pending), oldest pending age, reasons."""
        now = time.time() if now is None else now
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT CASE WHEN state = 'in_flight' AND lease_until_ts < ? THEN 'pending'"
                " ELSE state END AS s, COUNT(*), MIN(created_ts) FROM submissions GROUP BY s",
                (now,),
            ).fetchall()
            reasons = conn.execute(
                "SELECT quarantine_reason, COUNT(*) FROM submissions WHERE state = 'quarantined'"
                " GROUP BY quarantine_reason ORDER BY quarantine_reason"
            ).fetchall()
        by_state = {state: (count, oldest) for state, count, oldest in rows}
        oldest = [by_state[s][1] for s in ("pending", "in_flight") if s in by_state]
        return QueueCounts(
            pending=by_state.get("pending", (0, None))[0],
            in_flight=by_state.get("in_flight", (0, None))[0],
            delivered=by_state.get("delivered", (0, None))[0],
            quarantined=by_state.get("quarantined", (0, None))[0],
            oldest_pending_age_s=max(0.0, now - min(oldest)) if oldest else None,
            quarantine_reasons={reason: count for reason, count in reasons},
        )

    def status(self, submission_id: str) -> DeliveryStatus:
        """One record's state; `KeyError` if unknown here (never queued, or purged)."""
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT state, reference FROM submissions WHERE id = ?", (submission_id,)
            ))
        if row is None:
            raise KeyError(submission_id)
        return DeliveryStatus(submission_id, RecordState(row[0]), row[1])

    def receipt_details(self, submission_id: str) -> ReceiptDetails:
        """The unsealed columns a receipt shows (until purge); `KeyError` if unknown here."""
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT receipt_number, service_code, created_at, state, reference FROM submissions WHERE id = ?",
                (submission_id,),
            ))
        if row is None:
            raise KeyError(submission_id)
        number, service, created, state, reference = row
        return ReceiptDetails(submission_id, number, service, created, RecordState(state), reference)

    # ----------------------------------------------------------------- daemon side

    def claim(self, owner: str, now: float | None = None) -> Record | None:
        """Lease the oldest record that is due (pending and past its backoff, or whose lease expired)."""
        records = self.claim_batch(owner, 1, now=now)
        return records[0] if records else None

    def claim_batch(
        self, owner: str, limit: int, *, now: float | None = None, settle: Iterable[Settlement] = ()
    ) -> list[Record]:
        """Apply `settle` and lease up to `limit` oldest due records, in ONE transaction.

        Folding the previous batch's outcomes into the next claim saves a commit (an fsync)
        per record. Losing an unsaved outcome to a crash is harmless: the lease expires, the
        record is sent again with the same id, and the platform answers 200 with the same
        receipt.
        """
        now = time.time() if now is None else now
        with self._db.write() as conn:
            self._apply(conn, settle)
            seqs = [
                row[0]
                for row in conn.execute(
                    "SELECT seq FROM submissions WHERE"
                    " (state = 'pending' AND next_attempt_ts <= ?)"
                    " OR (state = 'in_flight' AND lease_until_ts < ?)"
                    " ORDER BY seq LIMIT ?",
                    (now, now, limit),
                )
            ]
            conn.executemany(
                "UPDATE submissions SET state = 'in_flight', lease_owner = ?, lease_until_ts = ?"
                " WHERE seq = ?",
                [(owner, now + self.lease_seconds, seq) for seq in seqs],
            )
            return [self._record(conn, seq) for seq in seqs]

    def _record(self, conn: sqlite3.Connection, seq: int) -> Record:
        row = first_row(conn.execute(
            "SELECT seq, id, receipt_number, service_code, catalog_version, created_at,"
            " sealed_alg, sealed_key_id, sealed_payload, attempts, lease_owner"
            " FROM submissions WHERE seq = ?",
            (seq,),
        ))
        attachments = tuple(
            AttachmentRef(position, role, sha, size)
            for position, role, sha, size in conn.execute(
                "SELECT position, role, sha256, size FROM attachments"
                " WHERE submission_seq = ? ORDER BY position",
                (seq,),
            )
        )
        return Record(*row[:10], attachments=attachments, lease_owner=row[10])

    def attachment_data(self, record: Record, sha256: str) -> bytes:
        """The sealed bytes of one attachment, read only when they are about to be sent."""
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT data FROM attachments WHERE submission_seq = ? AND sha256 = ?",
                (record.seq, sha256),
            ))
        if row is None:
            raise KeyError(sha256)
        return row[0]

    @staticmethod
    def _apply(conn: sqlite3.Connection, settlements: Iterable[Settlement]) -> int:
        """Apply outcomes, each only if its record is still leased by its owner (the fence)."""
        applied = 0
        for settlement in settlements:
            cursor = conn.execute(
                f"UPDATE submissions SET {settlement.sql}, lease_owner = NULL, lease_until_ts = NULL"
                " WHERE seq = ? AND state = 'in_flight' AND lease_owner = ?",
                (*settlement.params, settlement.record.seq, settlement.record.lease_owner),
            )
            applied += cursor.rowcount
        return applied

    def settle(self, settlements: Iterable[Settlement]) -> int:
        """Apply outcomes in one transaction; returns how many still held their lease."""
        settlements = list(settlements)
        if not settlements:
            return 0
        with self._db.write() as conn:
            return self._apply(conn, settlements)

    def delivered(self, record: Record, reference: str, received_at: str | None) -> bool:
        return self.settle([Settlement.delivered(record, reference, received_at)]) == 1

    def quarantine(self, record: Record, reason: str) -> bool:
        return self.settle([Settlement.quarantined(record, reason)]) == 1

    def retry_later(self, record: Record, delay_s: float, error: str) -> bool:
        return self.settle([Settlement.retry_later(record, delay_s, error)]) == 1

    def release(self, record: Record) -> bool:
        """Back to pending, due now, without counting an attempt (shutdown, paused credentials)."""
        return self.settle([Settlement.released(record)]) == 1

    def next_due_ts(self) -> float | None:
        """When the next record becomes due (a backoff ends or a lease expires); None if none."""
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT MIN(CASE WHEN state = 'pending' THEN next_attempt_ts ELSE lease_until_ts END)"
                " FROM submissions WHERE state IN ('pending', 'in_flight')"
            ))
        return row[0]

    def retry(self, submission_id: str) -> RecordState:
        """Technician: make a quarantined or backing-off record due now. Returns its prior state."""
        with self._db.write() as conn:
            row = first_row(conn.execute("SELECT state FROM submissions WHERE id = ?", (submission_id,)))
            if row is None:
                raise KeyError(submission_id)
            state = RecordState(row[0])
            if state in (RecordState.PENDING, RecordState.QUARANTINED):
                conn.execute(
                    "UPDATE submissions SET state = 'pending', next_attempt_ts = 0,"
                    " quarantine_reason = NULL WHERE id = ?",
                    (submission_id,),
                )
            return state

    def purge(self, now: float | None = None) -> int:
        """Delete records delivered longer ago than the retention; give the space back."""
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * 86400
        with self._db.write() as conn:
            deleted = conn.execute(
                "DELETE FROM submissions WHERE state = 'delivered' AND delivered_ts <= ?", (cutoff,)
            ).rowcount
        if deleted:
            self.reclaim()
        return deleted

    def reclaim(self) -> None:
        """Return free pages to the file system and truncate the WAL if no reader holds it."""
        with self._db.read() as conn:
            # executescript steps the pragma to completion; one execute() frees a single page.
            conn.executescript("PRAGMA incremental_vacuum;")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def integrity_check(self) -> str:
        with self._db.read() as conn:
            return first_row(conn.execute("PRAGMA integrity_check"))[0]

    def undelivered(self) -> Iterator[Record]:
        """Every pending, in-flight and quarantined record, oldest first (for export)."""
        with self._db.read() as conn:
            seqs = [
                r[0]
                for r in conn.execute(
                    "SELECT seq FROM submissions WHERE state != 'delivered' ORDER BY seq"
                )
            ]
        for seq in seqs:
            with self._db.read() as conn:
                yield self._record(conn, seq)

    # ----------------------------------------------------------------- daemon state

    def get_flag(self, key: str) -> str | None:
        """Small daemon state (alarms, ETag) shared with the station, e.g. `auth_alarm`."""
        with self._db.read() as conn:
            row = first_row(conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)))
        return None if row is None else row[0]

    def set_flag(self, key: str, value: str | None) -> None:
        with self._db.write() as conn:
            if value is None:
                conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )


    def export(self, directory: str | os.PathLike[str], kiosk_id: str) -> int:
        """Write every undelivered record, still sealed, for hand-carrying; returns the count.

        Layout: `DIR/<submission_id>/submission.json` (the exact PUT body) and
        `DIR/<submission_id>/<sha256>.bin` (sealed attachments). Each record is written to a
        temporary folder, fsynced and renamed, so a pulled USB stick never holds half a record.
        Records stay queued: the platform's idempotency absorbs a later network delivery.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        count = 0
        for record in self.undelivered():
            final = target / record.submission_id
            if final.exists():
                count += 1
                continue
            staging = target / f".{record.submission_id}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            files = {"submission.json": json.dumps(record.body(kiosk_id), indent=1).encode()}
            for ref in record.attachments:
                files[f"{ref.sha256}.bin"] = self.attachment_data(record, ref.sha256)
            for name, data in files.items():
                with open(staging / name, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            staging.rename(final)
            count += 1
        return count


class CatalogState:
    """The catalog the station runs (`active`) and the next one waiting for its date (`staged`).

    Only bundles that `catalog_bundle.verify_bundle` accepted are installed here; the daemon
    writes, the station reads. A staged bundle becomes active once `effective_from` passes
    (`apply_due`, which `active()` also runs, so a reader never shows a stale catalog).
    """

    def __init__(self, db: _Db) -> None:
        self._db = db

    def _slot(self, slot: str) -> CatalogSnapshot | None:
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT version, region, effective_from, expires_at, payload, bundle"
                " FROM catalog WHERE slot = ?",
                (slot,),
            ))
        if row is None:
            return None
        version, region, effective_from, expires_at, payload, bundle = row
        return CatalogSnapshot(
            version=version,
            region=region,
            effective_from=datetime.fromisoformat(effective_from),
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
            payload=json.loads(payload),
            bundle=json.loads(bundle),
        )

    def active(self, now: datetime | None = None) -> CatalogSnapshot | None:
        self.apply_due(now)
        return self._slot("active")

    def staged(self) -> CatalogSnapshot | None:
        return self._slot("staged")

    def install(self, bundle: VerifiedCatalog, now: datetime | None = None) -> str:
        """Install a verified bundle: 'applied', 'staged', or 'ignored' (not newer than staged)."""
        now = now or datetime.now(UTC)
        effective = now >= bundle.effective_from
        with self._db.write() as conn:
            versions = dict(conn.execute("SELECT slot, version FROM catalog").fetchall())
            if bundle.version <= max(versions.values(), default=-1):
                return "ignored"
            slot = "active" if effective else "staged"
            conn.execute(
                "INSERT OR REPLACE INTO catalog (slot, version, region, effective_from, expires_at,"
                " payload, bundle, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    slot,
                    bundle.version,
                    bundle.region,
                    bundle.effective_from.isoformat(),
                    bundle.expires_at.isoformat() if bundle.expires_at else None,
                    json.dumps(bundle.payload, ensure_ascii=False),
                    json.dumps(bundle.raw),
                    utc_now_rfc3339(),
                ),
            )
            if effective:
                conn.execute("DELETE FROM catalog WHERE slot = 'staged'")
        return "applied" if effective else "staged"

    def apply_due(self, now: datetime | None = None) -> bool:
        """Promote the staged bundle if its time has come (drop it if it expired meanwhile)."""
        now = now or datetime.now(UTC)
        staged = self._slot("staged")
        if staged is None or now < staged.effective_from:
            return False
        with self._db.write() as conn:
            if staged.expires_at is not None and now >= staged.expires_at:
                conn.execute("DELETE FROM catalog WHERE slot = 'staged'")
                return False
            conn.execute("DELETE FROM catalog WHERE slot = 'active'")
            conn.execute("UPDATE catalog SET slot = 'active' WHERE slot = 'staged'")
        return True
