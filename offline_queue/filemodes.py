"""Private file modes for the station's data: directories 0700, files 0600.

Someone with a shell account on the station (another service's user, a maintenance login)
must not read the queue, the audit trail, the logs or the lockout state. Modes are set at
creation (`private_dir`, `private_file`: the file exists with 0600 before SQLite or a
logger opens it, so no umask can widen it) and tightened at start for files an older
build left wider (`tighten`). `looser_than` is what `doctor` reports. Explicit modes, not
`os.umask`: the umask is process-wide and the station has threads.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) and make `path` itself 0700."""
    path.mkdir(parents=True, exist_ok=True)
    tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists with mode 0600 (created empty if missing; an empty file is a
    valid new SQLite database), and tighten it if it was wider."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.close(fd)
    tighten(path)
    return path


def sqlite_files(path: Path) -> list[Path]:
    """A database and the side files SQLite keeps beside it (WAL, shared memory, journal)."""
    return [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_SIDE_FILES)]


def tighten(path: Path) -> None:
    """Remove group and other permissions from an existing file or directory (no-op if missing)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        try:
            os.chmod(path, mode & ~0o077)
        except PermissionError:
            pass  # not ours to change (a root-owned secrets file): `doctor` names it


def looser_than(path: Path) -> str | None:
    """`"0644, want 0600"` when group or others may access `path`; None if private or missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o077:
        return None
    want = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
    return f"{mode:04o}, want {want:04o}"
