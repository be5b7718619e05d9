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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from offline_queue.api import QueueError
from offline_queue.filemodes import DIR_MODE, FILE_MODE
from offline_queue.records import Record
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


def export(
    outbox: SealedRecords, directory: str | os.PathLike[str], kiosk_id: str, now: datetime | None = None
) -> Export:
    """Write every undelivered record to a new folder in `directory` (which must exist: a
    mounted stick, never a folder created on the station's own disk). Never overwrites an
    earlier export. Each attachment's bytes are checked against the SHA-256 in its name;
    a mismatch (a damaged queue database) refuses the whole export and removes its folder."""
    base = Path(directory)
    if not base.is_dir():
        raise ExportError(f"{base} is not a directory (is the drive mounted?)")
    now = now or datetime.now(UTC)
    target = _new_folder(base, f"kiosk-export-{_safe(kiosk_id)}-{now.strftime('%Y%m%dT%H%M%SZ')}")
    try:
        files, ids = _write_records(outbox, target, kiosk_id)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kiosk_id": kiosk_id,
            "created_at": rfc3339(now),
            "submissions": ids,
            "files": files,
        }
        _write(target / MANIFEST, json.dumps(manifest, indent=1).encode())
        _fsync_dir(target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Export(target, len(ids))


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


def _write_records(outbox: SealedRecords, target: Path, kiosk_id: str) -> tuple[list[dict], list[str]]:
    files: list[dict] = []
    ids: list[str] = []
    for record in outbox.undelivered():
        folder = target / record.submission_id
        folder.mkdir(mode=DIR_MODE)
        contents = [("submission.json", record.body(kiosk_id))]
        for ref in record.attachments:
            data = outbox.attachment_data(record, ref.sha256)
            if hashlib.sha256(data).hexdigest() != ref.sha256 or len(data) != ref.size:
                raise ExportError(
                    f"attachment {ref.sha256} of submission {record.submission_id} does not match its"
                    " hash or size: the queue database is damaged; nothing was exported"
                )
            contents.append((f"{ref.sha256}.bin", data))
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
