"""Damage a closed queue database file the way a failing disk or a bad copy does."""

from __future__ import annotations

import os
from pathlib import Path

PAGE = 16384  # offline_queue.database.PAGE_SIZE


def random_bytes_inside(db: Path, blob: bytes, size: int = 4096) -> int:
    """Overwrite `size` random bytes in the middle of the overflow page that holds part of
    `blob` (a stored attachment): the file's structure stays valid (quick_check passes), the
    attachment's bytes do not. Returns the offset written."""
    data = db.read_bytes()
    needle = blob[len(blob) // 2: len(blob) // 2 + 64]
    offset = data.find(needle)
    assert offset > 0, "attachment bytes not found in the file (is the WAL checkpointed?)"
    page_start = offset - offset % PAGE
    assert data[page_start + 4: page_start + PAGE] in blob, "that page is not wholly the attachment's"
    where = page_start + PAGE // 2 - size // 2
    return overwrite(db, where, os.urandom(size))


def random_bytes_mid_file(db: Path, size: int = 4096) -> int:
    """4 KiB of random bytes at the middle of the file, wherever that falls."""
    where = db.stat().st_size // 2
    return overwrite(db, where, os.urandom(size))


def truncate(db: Path, keep: float = 0.6) -> int:
    """Cut the file to `keep` of its size, on a page boundary (a copy that stopped short)."""
    size = int(db.stat().st_size * keep) // PAGE * PAGE
    with open(db, "r+b") as handle:
        handle.truncate(size)
    return size


def overwrite(db: Path, where: int, data: bytes) -> int:
    with open(db, "r+b") as handle:
        handle.seek(where)
        handle.write(data)
    return where
