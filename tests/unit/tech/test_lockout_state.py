"""The technician login's lockout survives restarts and fails closed (issue 12, finding 4).

Before: the state was inferred from the newest 200 audit records, so 200 refused taps during
a lockout followed by a restart gave 5 fresh tries (and the right PIN worked), deleting the
audit trail cleared it, and every refused tap added an audit record (and a queued AUDIT
submission). Each test below names the case it reproduces.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from kiosk.bootstrap.technician import build_gate
from kiosk.technician.credentials import hash_pin
from kiosk.technician.lockout import LockoutFile
from kiosk.technician.settings import TechnicianSettings
from offline_queue.audit import AuditTrail

PIN = "135790"
SETTINGS = TechnicianSettings(pin_hash=hash_pin(PIN), max_tries=5, lockout_minutes=5)  # the config refuses weaker hashes


class Station:
    """A station's audit trail and lockout file in a temp dir, restarted at will, on a wall clock."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.wall = [dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)]
        self.trail: AuditTrail | None = None

    def clock(self) -> float:
        return self.wall[0].timestamp()

    def start(self):
        """What the composition root does at start: the state file's flag, then the trail."""
        if self.trail is not None:
            self.trail.close()
        audit_path = self.tmp / "audit.sqlite3"
        store = LockoutFile(self.tmp / "lockout.json", new_station=not audit_path.exists())
        self.trail = AuditTrail(audit_path, now=lambda: self.wall[0])
        return build_gate(SETTINGS, self.trail, store, self.clock)

    def advance(self, minutes: float) -> None:
        self.wall[0] += dt.timedelta(minutes=minutes)

    def actions(self, n: int = 500) -> list[str]:
        return [record.action for record in self.trail.recent(n)]

    def close(self) -> None:
        if self.trail is not None:
            self.trail.close()


@pytest.fixture
def station(tmp_path):
    s = Station(tmp_path)
    yield s
    s.close()


def test_failed_tries_and_a_running_lockout_survive_restarts(station):
    """Bad input: three wrong PINs, a power cycle, two more, another power cycle mid-lockout."""
    gate = station.start()
    for _ in range(3):
        gate.login_pin("000000")
    gate = station.start()
    assert gate.tries_left == 2
    gate.login_pin("000000")
    assert gate.login_pin("000000").outcome == "locked"
    station.advance(2)
    gate = station.start()
    assert gate.locked_for() == 180 and gate.login_pin(PIN).outcome == "locked"
    station.advance(3)
    gate = station.start()
    assert gate.tries_left == 5 and gate.login_pin(PIN).ok
    assert station.start().tries_left == 5, "after a login nothing is carried"


def test_200_refused_taps_then_a_restart_still_locked_and_one_audit_record(station):
    """Bad input (finding 4): 200 attempts during a lockout, then a restart, then the right PIN."""
    gate = station.start()
    for _ in range(5):
        gate.login_pin("000000")
    before = len(station.actions())
    for _ in range(200):
        assert gate.login_pin("000000").outcome == "locked"
    assert len(station.actions()) == before, "refused taps are counted, not recorded one by one"
    gate = station.start()
    assert gate.tries_left == 0 and gate.login_pin(PIN).outcome == "locked"
    station.advance(5)
    assert station.start().login_pin(PIN).ok
    refused = [r for r in station.trail.recent(10) if r.action == "lockout_refused"]
    assert len(refused) == 1 and refused[0].detail["count"] == 201  # 200 + the right PIN, still locked


def test_deleting_the_audit_trail_does_not_clear_the_lockout(station):
    """Bad input (finding 4): delete audit.sqlite3 and its head file during a lockout."""
    gate = station.start()
    for _ in range(5):
        gate.login_pin("000000")
    station.trail.close()
    station.trail = None
    for path in station.tmp.glob("audit.sqlite3*"):
        path.unlink()
    gate = station.start()
    assert gate.locked_for() == 300 and gate.login_pin(PIN).outcome == "locked"


@pytest.mark.parametrize("damage", ["missing", "corrupt", "not-json", "negative", "unreadable"])
def test_a_missing_or_damaged_state_locks_for_the_lockout_period(station, damage):
    """Bad input: the state file deleted, garbled, or unreadable on a station that has run before."""
    gate = station.start()
    gate.login_pin("000000")
    state = station.tmp / "lockout.json"
    if damage == "missing":
        state.unlink()
    elif damage == "corrupt":
        state.write_bytes(os.urandom(64))
    elif damage == "not-json":
        state.write_text('{"failures": 0}')
    elif damage == "negative":
        state.write_text(json.dumps({"failures": -5, "locked_until": None, "refused": 0}))
    else:
        state.unlink()
        state.mkdir()  # reading a directory fails: unreadable
    gate = station.start()
    result = gate.login_pin(PIN)
    assert result.outcome == "locked" and result.locked_for_s == 300
    assert result.state_problem in ("missing", "corrupt", "unwritable")  # unreadable, then unwritable too
    assert "lockout_state" in station.actions(5)
    station.advance(5)
    result = station.start().login_pin(PIN)
    if damage == "unreadable":  # it cannot be written either: locked until someone repairs it
        assert result.outcome == "locked" and result.state_problem == "unwritable"
    else:
        assert result.ok, "after the lockout period the login opens again"


def test_a_new_station_starts_unlocked_and_the_state_file_is_private(station):
    gate = station.start()
    assert gate.tries_left == 5
    gate.login_pin("000000")
    assert (station.tmp / "lockout.json").stat().st_mode & 0o777 == 0o600
