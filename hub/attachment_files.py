"""Sealed attachments as files: written while they arrive, never held whole in memory.

An upload is spooled into `ROOT/tmp/` (mode 0600) while its SHA-256 and size are computed;
once the hash matches the path it is renamed to its place, named after (kiosk, submission id,
hash), so that another kiosk's upload under the same id and hash is another file. The
database holds which attachments exist (`hub.store`); this module holds their bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """One upload on its way to disk: `write` chunks, then `AttachmentFiles.commit` or `discard`."""

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")  # mode 0600
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def close(self, durable: bool) -> None:
        if not self._file.closed:
            self._file.flush()
            if durable:
                os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        """Drop the bytes (refused, too large, too slow); safe to call after a commit."""
        self.close(durable=False)
        self.path.unlink(missing_ok=True)


class AttachmentFiles:
    """The attachment files under `root` (created 0700); `durable` fsyncs files and directories."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self._durable = durable
        self._tmp = root / "tmp"
        for directory in (root, self._tmp):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            directory.chmod(0o700)

    def spool(self) -> Spool:
        return Spool(self._tmp)

    def path(self, kiosk_id: str, submission_id: str, sha256: str) -> Path:
        """Where (kiosk, id, hash) lives; kiosk ids never become path components themselves."""
        key = hashlib.sha256(f"{kiosk_id}\0{submission_id}\0{sha256}".encode()).hexdigest()
        return self.root / key[:2] / key

    def commit(self, spool: Spool, kiosk_id: str, submission_id: str, sha256: str) -> None:
        """Move a complete spool to its place (atomically; the same bytes may already be there)."""
        spool.close(self._durable)
        target = self.path(kiosk_id, submission_id, sha256)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(spool.path, target)
        if self._durable:
            _fsync_dir(target.parent)

    def write(self, kiosk_id: str, submission_id: str, sha256: str, data: bytes) -> None:
        """Store bytes already in memory (the migration of attachments kept in the database)."""
        spool = self.spool()
        try:
            spool.write(data)
            self.commit(spool, kiosk_id, submission_id, sha256)
        finally:
            spool.discard()

    def read(self, kiosk_id: str, submission_id: str, sha256: str) -> bytes:
        try:
            return self.path(kiosk_id, submission_id, sha256).read_bytes()
        except FileNotFoundError:
            return b""

    def remove(self, kiosk_id: str, submission_id: str, sha256: str) -> None:
        self.path(kiosk_id, submission_id, sha256).unlink(missing_ok=True)
