"""The technician login's lockout, kept in a file of its own so that it survives restarts.

Before, the station inferred failed tries and a running lockout from its newest audit
records: 200 refused taps pushed the lockout out of that window, and deleting the audit
trail cleared it. Now the gate writes its state here at every change (atomically: a temp
file, fsync, rename; mode 0600) and reads it at start.

It fails closed: a state file that is missing on a station that has run before (its audit
trail exists), or that cannot be read, locks the login for the lockout period, and the login
screen says why. Only a brand-new station (no audit trail yet either) starts unlocked.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol


class LockoutStateUnreadable(Exception):
    """The stored state is missing where it should exist, or cannot be read; `str()` says which."""


@dataclass(frozen=True, slots=True)
class LockoutState:
    """Wrong tries since the last login or lockout; the end of a running lockout (wall-clock
    seconds); tries refused during it, reported once, in one audit record, when it ends."""

    failures: int = 0
    locked_until: float | None = None
    refused: int = 0


class LockoutStore(Protocol):
    def load(self) -> LockoutState:
        """The stored state; raises `LockoutStateUnreadable`."""

    def save(self, state: LockoutState) -> None: ...


class LockoutFile:
    """A `LockoutStore` in one small JSON file."""

    def __init__(self, path: Path, *, new_station: bool) -> None:
        """`new_station`: nothing of this station existed before this start (no audit trail),
        so a missing file means "never locked", not "deleted"."""
        self._path = path
        self._new_station = new_station

    def load(self) -> LockoutState:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            if self._new_station:
                return LockoutState()
            raise LockoutStateUnreadable("missing") from None
        except OSError:
            raise LockoutStateUnreadable("unreadable") from None
        try:
            data = json.loads(raw)
            state = LockoutState(
                failures=_count(data["failures"]),
                locked_until=None if data["locked_until"] is None else _time(data["locked_until"]),
                refused=_count(data["refused"]),
            )
        except (ValueError, KeyError, TypeError):
            raise LockoutStateUnreadable("corrupt") from None
        return state

    def save(self, state: LockoutState) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".lockout-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(asdict(state), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._new_station = False


def _count(value: object) -> int:
    if type(value) is not int or not 0 <= value < 10**9:
        raise ValueError("count")
    return value


def _time(value: object) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError("time")
    return float(value)  # type: ignore[arg-type]
