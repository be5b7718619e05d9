"""The durable outbox: sealed submissions in the queue database, shared by station and daemon.

The station calls `Outbox.enqueue` and gets an `Enqueued` back only after the sealed
submission and all its sealed attachments are committed in ONE transaction; the receipt may
print from that moment. The sync daemon leases the oldest due record (`claim`), delivers it
and settles it (`delivered` / `quarantine` / `retry_later` / `release`). Every settle is
fenced by the lease owner, so a daemon whose lease expired (it hung, or was killed and
restarted) cannot overwrite what another attempt decided.

Delivered records are deleted after the retention period (`purge`), which hands the space
back to the file system (`QueueDatabase.reclaim`).

Everything that reaches this file is sealed first (`offline_queue.sealing`): the payload
JSON and each attachment's bytes. What stays clear (receipt number, service code, catalog
version, sizes, hashes, states) is what the receipt and the wire show anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline_queue.api import (
    DeliveryStatus,
    Enqueued,
    NewSubmission,
    QueueCounts,
    QueueFull,
    ReceiptDetails,
    RecordState,
)
from offline_queue.catalog_state import CatalogState
from offline_queue.database import QueueDatabase, first_row
from offline_queue.records import AttachmentRef, DamagedRecord, Fate, Record, Settlement
from offline_queue.sealing import ALG, Sealer
from offline_queue.settings import QueueSettings
from offline_queue.wire import utc_now_rfc3339

DEFAULT_MIN_FREE_BYTES = 512 * 1024 * 1024
DEFAULT_LEASE_SECONDS = 120.0
DEFAULT_RETENTION_DAYS = 30.0
# Bounds of the hash check `queue status` and `doctor` run over pending records: a station
# with a long backlog still answers in seconds (the oldest records are checked first).
CHECK_MAX_RECORDS = 500
CHECK_MAX_SECONDS = 3.0


def canonical_payload(payload: dict[str, Any]) -> bytes:
    """The bytes that get sealed: UTF-8 JSON, keys sorted, no white space."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _assignments(settlement: Settlement) -> tuple[str, tuple[Any, ...]]:
    """The columns one settlement sets, and their values."""
    match settlement.fate:
        case Fate.DELIVERED:
            return (
                "state = 'delivered', reference = ?, received_at = ?, delivered_ts = ?,"
                " attempts = attempts + 1, last_error = NULL, network_retry = 0",
                (settlement.reference, settlement.received_at, settlement.at),
            )
        case Fate.QUARANTINED:
            return "state = 'quarantined', quarantine_reason = ?, attempts = attempts + 1", (settlement.reason,)
        case Fate.RETRY_LATER:
            return (
                "state = 'pending', next_attempt_ts = ?, attempts = attempts + 1, last_error = ?, network_retry = ?",
                (settlement.at + settlement.delay_s, settlement.error, int(settlement.network)),
            )
        case Fate.THROTTLED:  # the platform asked everyone to wait: not this record's failure
            return (
                "state = 'pending', next_attempt_ts = ?, last_error = ?, network_retry = 0",
                (settlement.at + settlement.delay_s, settlement.error),
            )
        case Fate.RELEASED:
            return "state = 'pending'", ()


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """What `Outbox.check_pending` found; `line()` is what `queue status` and `doctor` print."""

    quick_check: str  # "ok" or SQLite's first finding
    checked: int  # pending records whose hashes were checked
    pending: int  # pending records it meant to check (at most the count bound)
    damaged: tuple[str, ...]  # ids (or seq numbers, when even the id is unreadable) of damaged records

    @property
    def ok(self) -> bool:
        return self.quick_check == "ok" and not self.damaged

    def line(self) -> str:
        hashes = f"hashes of {self.checked} pending record(s) checked"
        if self.checked < self.pending:
            hashes += f" (time bound reached, {self.pending - self.checked} not checked)"
        found = f"{len(self.damaged)} damaged: {', '.join(self.damaged[:5])}" if self.damaged else "all match"
        return f"quick_check {self.quick_check}; {hashes}, {found}"


class Outbox:
    """The station's durable, sealed outbox. Thread-safe; one per process."""

    def __init__(
        self,
        db: QueueDatabase,
        sealer: Sealer,
        *,
        min_free_bytes: int,
        lease_seconds: float,
        retention_days: float,
    ) -> None:
        self._db = db
        self.path = db.path
        self._sealer = sealer
        self.min_free_bytes = min_free_bytes
        self.lease_seconds = lease_seconds
        self.retention_days = retention_days
        self.catalog = CatalogState(db)

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
        return cls(
            QueueDatabase.open(Path(path)),
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
        self._db.close()

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
                " created_at, created_ts, sealed_alg, sealed_key_id, sealed_payload, payload_sha256, next_attempt_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    hashlib.sha256(sealed_payload).hexdigest(),
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
        self._db.wrote(incoming)
        return Enqueued(submission_id, submission.receipt_number, created_at)

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
        self,
        owner: str,
        limit: int,
        *,
        now: float | None = None,
        settle: Iterable[Settlement] = (),
        network_back: bool = False,
        probe: bool = False,
    ) -> list[Record]:
        """Apply `settle` and lease up to `limit` oldest due records, in ONE transaction.

        Folding the previous batch's outcomes into the next claim saves a commit (an fsync)
        per record. Losing an unsaved outcome to a crash is harmless: the lease expires, the
        record is sent again with the same id, and the platform answers 200 with the same
        receipt. `network_back`: the network answered again, so every record that failed for
        network reasons only is due now. `probe`: when nothing is due, lease the oldest record
        that failed for network reasons anyway (the engine's one try while the network is down).
        """
        now = time.time() if now is None else now
        with self._db.write() as conn:
            self._apply(conn, settle)
            if network_back:
                conn.execute(
                    "UPDATE submissions SET next_attempt_ts = ?, network_retry = 0"
                    " WHERE state = 'pending' AND network_retry = 1",
                    (now,),
                )
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
            if not seqs and probe:
                seqs = [
                    row[0]
                    for row in conn.execute(
                        "SELECT seq FROM submissions WHERE state = 'pending' AND network_retry = 1 ORDER BY seq LIMIT 1"
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
            " sealed_alg, sealed_key_id, sealed_payload, attempts, lease_owner, payload_sha256"
            " FROM submissions WHERE seq = ?",
            (seq,),
        ))
        attachments = tuple(
            AttachmentRef(position, role, sha, size, bool(accepted))
            for position, role, sha, size, accepted in conn.execute(
                "SELECT position, role, a.sha256, size, c.sha256 IS NOT NULL FROM attachments AS a"
                " LEFT JOIN accepted AS c ON c.submission_seq = a.submission_seq AND c.sha256 = a.sha256"
                " WHERE a.submission_seq = ? ORDER BY position",
                (seq,),
            )
        )
        return Record(*row[:10], attachments=attachments, lease_owner=row[10], payload_sha256=row[11])

    def attachment_data(self, record: Record, sha256: str) -> bytes:
        """The sealed bytes of one attachment, read only when they are about to be sent, and
        checked against their SHA-256: `DamagedRecord` if they cannot be read or do not match."""
        try:
            with self._db.read() as conn:
                row = first_row(conn.execute(
                    "SELECT data FROM attachments WHERE submission_seq = ? AND sha256 = ?",
                    (record.seq, sha256),
                ))
        except sqlite3.DatabaseError as exc:  # a damaged page: "database disk image is malformed"
            raise DamagedRecord(f"attachment {sha256} of submission {record.submission_id}: {exc}") from None
        if row is None:
            raise KeyError(sha256)
        return record.check_attachment(sha256, row[0])

    def mark_accepted(self, record: Record, sha256: str) -> None:
        """The platform confirmed it holds this attachment: a retry, or the next daemon after a
        crash, does not send it again. Not fenced by the lease (the platform's answer is a fact
        whoever asked) and not fsynced: losing it to a power cut costs one repeated upload."""
        with self._db.write(durable=False) as conn:
            conn.execute("INSERT OR IGNORE INTO accepted (submission_seq, sha256) VALUES (?, ?)", (record.seq, sha256))

    def check_pending(
        self, max_records: int = CHECK_MAX_RECORDS, max_seconds: float = CHECK_MAX_SECONDS
    ) -> IntegrityReport:
        """SQLite's `quick_check`, then the stored hashes of pending records, oldest first,
        bounded in count and in time (a station with a long backlog answers in seconds)."""
        quick = self._db.quick_check()
        with self._db.read() as conn:
            seqs = [row[0] for row in conn.execute(
                "SELECT seq FROM submissions WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT ?", (max_records,)
            )]
        deadline = time.monotonic() + max_seconds
        checked, damaged = 0, []
        for seq in seqs:
            if time.monotonic() > deadline:
                break
            checked += 1
            try:
                with self._db.read() as conn:
                    record = self._record(conn, seq)
            except sqlite3.DatabaseError:
                damaged.append(f"seq {seq}")  # even its id is unreadable
                continue
            try:
                record.check_payload()
                for ref in record.attachments:
                    self.attachment_data(record, ref.sha256)
            except DamagedRecord:
                damaged.append(record.submission_id)
        return IntegrityReport(quick, checked, len(seqs), tuple(damaged))

    @staticmethod
    def _apply(conn: sqlite3.Connection, settlements: Iterable[Settlement]) -> int:
        """Apply outcomes, each only if its record is still leased by its owner (the fence)."""
        applied = 0
        for settlement in settlements:
            assignments, params = _assignments(settlement)
            cursor = conn.execute(
                f"UPDATE submissions SET {assignments}, lease_owner = NULL, lease_until_ts = NULL"
                " WHERE seq = ? AND state = 'in_flight' AND lease_owner = ?",
                (*params, settlement.record.seq, settlement.record.lease_owner),
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
        self._db.reclaim()

    def integrity_check(self) -> str:
        return self._db.integrity_check()

    def undelivered(self) -> Iterator[Record]:
        """Every pending, in-flight and quarantined record, oldest first (`handcarry.export`)."""
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
