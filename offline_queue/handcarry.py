"""The hand-carry export: every undelivered record, still sealed, in one folder with a manifest.

When a station cannot reach the platform for long, a technician copies the queue to a USB
stick (`run_kiosk.py queue export DIR` or technician mode's *export sealed records*) and the
platform imports it. One format for both (docs/queue.md, "Hand-carry export"):

    kiosk-export-<kiosk id>-<UTC time>[-N]/
        manifest.json                     written last: a folder without it is incomplete
        <submission_id>/submission.json   the exact bytes of the record's PUT body
        <submission_id>/<sha256>.bin      each sealed attachment, named by its SHA-256

`manifest.json` names the format and its version, the kiosk, the time, and every other file
with its SHA-256 and size, so the receiver can check the stick before importing. Nothing is
readable: payloads and attachments stay sealed to the platform's key. Records stay queued;
the platform's idempotency absorbs a later network delivery of the same ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from offline_queue.api import QueueError
from offline_queue.filemodes import DIR_MODE, FILE_MODE
from offline_queue.records import AttachmentRef, DamagedRecord, InvalidRecord, Record
from offline_queue.wire import rfc3339

FORMAT = "kiosk-handcarry"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class ExportError(QueueError):
    """The export was refused or failed; the message names no citizen data."""


class SealedRecords(Protocol):
    """What an export reads: `offline_queue.outbox.Outbox` has it."""

    def undelivered(self) -> Iterator[Record]: ...

    def attachment_data(self, record: Record, sha256: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Export:
    path: Path
    records: int
    skipped: tuple[str, ...] = ()  # salvage only: records that could not be read intact


def export(
    outbox: SealedRecords, directory: str | os.PathLike[str], kiosk_id: str, now: datetime | None = None
) -> Export:
    """Write every undelivered record to a new folder in `directory` (which must exist: a
    mounted stick, never a folder created on the station's own disk). Never overwrites an
    earlier export. Each payload and attachment is checked against its SHA-256; a mismatch
    (a damaged queue database) refuses the whole export and removes its folder: `salvage`
    is the tool for a damaged database."""
    return _export(outbox, directory, kiosk_id, now, salvaging=False)


def salvage(
    database: str | os.PathLike[str], directory: str | os.PathLike[str], kiosk_id: str, now: datetime | None = None
) -> Export:
    """Export every intact undelivered record of a DAMAGED queue database (truncated, or
    overwritten in places), in the same format, read-only. What cannot be read, or does not
    match its hash, is skipped and named in `Export.skipped` and in the manifest's `skipped`."""
    with _DamagedQueue(Path(database)) as damaged:
        return _export(damaged, directory, kiosk_id, now, salvaging=True, skipped=damaged.skipped)


def _export(
    records: SealedRecords,
    directory: str | os.PathLike[str],
    kiosk_id: str,
    now: datetime | None,
    *,
    salvaging: bool,
    skipped: list[str] | None = None,
) -> Export:
    skipped = [] if skipped is None else skipped
    base = Path(directory)
    if not base.is_dir():
        raise ExportError(f"{base} is not a directory (is the drive mounted?)")
    now = now or datetime.now(UTC)
    target = _new_folder(base, f"kiosk-export-{_safe(kiosk_id)}-{now.strftime('%Y%m%dT%H%M%SZ')}")
    try:
        files, ids = _write_records(records, target, kiosk_id, skipped if salvaging else None)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kiosk_id": kiosk_id,
            "created_at": rfc3339(now),
            "submissions": ids,
            "files": files,
        }
        if salvaging:
            manifest["skipped"] = skipped
        _write(target / MANIFEST, json.dumps(manifest, indent=1).encode())
        _fsync_dir(target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Export(target, len(ids), tuple(skipped))


def _safe(kiosk_id: str) -> str:
    """The kiosk id as a file-name part: anything but letters, digits, `.`, `_`, `-` becomes `_`."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", kiosk_id)[:64] or "_"


def _new_folder(base: Path, stem: str) -> Path:
    """A folder that did not exist before (`-2`, `-3`... for a second export in one second)."""
    for n in range(1, 100):
        target = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            target.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        _fsync_dir(base)
        return target
    raise ExportError(f"{base} already holds 99 exports named {stem}")


def _write_records(
    records: SealedRecords, target: Path, kiosk_id: str, skipped: list[str] | None
) -> tuple[list[dict], list[str]]:
    """Write each record's files; a damaged one refuses the export, or (`skipped` given: a
    salvage) is named in `skipped` and left out."""
    files: list[dict] = []
    ids: list[str] = []
    for record in records.undelivered():
        try:
            record.check_payload()
            contents = [("submission.json", record.body(kiosk_id))]
            contents += [
                (f"{ref.sha256}.bin", records.attachment_data(record, ref.sha256)) for ref in record.attachments
            ]
        except (DamagedRecord, InvalidRecord) as exc:
            if skipped is None:
                raise ExportError(
                    f"{exc}: the queue database is damaged; nothing was exported (queue export --salvage"
                    " exports the intact records)"
                ) from None
            skipped.append(record.submission_id)
            continue
        folder = target / record.submission_id
        folder.mkdir(mode=DIR_MODE)
        for name, data in contents:
            _write(folder / name, data)
            files.append({
                "path": f"{record.submission_id}/{name}",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            })
        _fsync_dir(folder)
        ids.append(record.submission_id)
    return files, ids


class _DamagedQueue:
    """A damaged queue database, read-only, record by record: whatever SQLite can still read.

    Record numbers come from every place that holds them (the table scanned forwards and
    backwards, which gets past a damaged page from both sides, and the index of ids, which
    also names records whose rows are gone); each record is then read on its own, so one
    unreadable page costs only the records on it. Unreadable ones land in `skipped`.
    """

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ExportError(f"{path} is not a queue database file")
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5, isolation_level=None)
        # A truncated file is shorter than its header says: SQLite refuses it as corrupt unless
        # writable_schema is on, and then reads what is there. The connection is read-only.
        self._conn.execute("PRAGMA writable_schema=ON")
        try:
            self._conn.execute("SELECT name FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise ExportError(f"cannot read {path} as a queue database: {exc}") from None
        self.skipped: list[str] = []

    def __enter__(self) -> _DamagedQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()

    def _scan(self, sql: str) -> list[tuple]:
        """Rows until the first one SQLite cannot read."""
        rows: list[tuple] = []
        try:
            for row in self._conn.execute(sql):
                rows.append(row)
        except sqlite3.DatabaseError:
            pass
        return rows

    def undelivered(self) -> Iterator[Record]:
        ids = {seq: sid for sid, seq in self._scan(
            "SELECT id, seq FROM submissions INDEXED BY sqlite_autoindex_submissions_1"
        )}
        seqs = {row[0] for row in self._scan("SELECT seq FROM submissions ORDER BY seq")}
        seqs |= {row[0] for row in self._scan("SELECT seq FROM submissions ORDER BY seq DESC")}
        for seq in sorted(seqs | ids.keys()):
            try:
                record = self._record(seq)
            except sqlite3.DatabaseError:
                self.skipped.append(ids.get(seq, f"seq {seq}"))
                continue
            if record is not None:
                yield record

    def _record(self, seq: int) -> Record | None:
        """The record `seq` unless delivered; `sqlite3.DatabaseError` if it cannot be read."""
        row = self._conn.execute(
            "SELECT seq, id, receipt_number, service_code, catalog_version, created_at, sealed_alg,"
            " sealed_key_id, sealed_payload, attempts, payload_sha256, state FROM submissions WHERE seq = ?",
            (seq,),
        ).fetchall()
        if not row:
            raise sqlite3.DatabaseError("row missing")
        if row[0][11] == "delivered":
            return None
        refs = tuple(
            AttachmentRef(position, role, sha, size)
            for position, role, sha, size in self._conn.execute(
                "SELECT position, role, sha256, size FROM attachments WHERE submission_seq = ? ORDER BY position", (seq,)
            ).fetchall()
        )
        return Record(*row[0][:10], attachments=refs, payload_sha256=row[0][10])

    def attachment_data(self, record: Record, sha256: str) -> bytes:
        try:
            rows = self._conn.execute(
                "SELECT data FROM attachments WHERE submission_seq = ? AND sha256 = ?", (record.seq, sha256)
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise DamagedRecord(f"attachment {sha256} of submission {record.submission_id}: {exc}") from None
        if not rows:
            raise DamagedRecord(f"attachment {sha256} of submission {record.submission_id} is missing")
        return record.check_attachment(sha256, rows[0][0])


def _write(path: Path, data: bytes) -> None:
    # O_EXCL: never replaces a file; 0600: sealed, but still nobody else's to read.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
