"""Technician login policy: lockout after wrong tries, idle session expiry (injected clock)."""

from __future__ import annotations

import pytest

from kiosk.technician.gate import LoginOutcome, TechnicianGate


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FixedChecker:
    """Knows one PIN and one badge; argon2 is tested separately in test_technician_auth."""

    def check_pin(self, pin: str) -> str | None:
        return "pin" if pin == "246810" else None

    def check_badge(self, uid: str) -> str | None:
        return "badge#1" if uid == "04A22B9C" else None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> list[tuple[str, dict]]:
    return []


@pytest.fixture
def gate(clock, events) -> TechnicianGate:
    return TechnicianGate(FixedChecker(), clock=clock, on_event=lambda a, d: events.append((a, d)))


def test_correct_pin_opens_a_session(gate, events):
    result = gate.login_pin("246810")
    assert result.ok and gate.session is not None and gate.session.who == "pin"
    assert events == [("login", {"method": "pin", "who": "pin"})]


def test_five_wrong_tries_lock_for_five_minutes_even_for_the_right_pin(gate, clock, events):
    """Bad input: five wrong PINs, then the right one during the lockout."""
    outcomes = [gate.login_pin("000000") for _ in range(5)]
    assert [o.outcome for o in outcomes] == [LoginOutcome.WRONG] * 4 + [LoginOutcome.LOCKED]
    assert [o.tries_left for o in outcomes[:4]] == [4, 3, 2, 1]
    clock.advance(299)
    locked = gate.login_pin("246810")
    assert locked.outcome is LoginOutcome.LOCKED and locked.locked_for_s == pytest.approx(1)
    assert gate.session is None
    clock.advance(1)
    assert gate.locked_for() == 0 and gate.tries_left == 5
    assert gate.login_pin("246810").ok
    assert ("lockout", {"minutes": 5.0}) in events


def test_wrong_badges_and_pins_count_together(gate):
    """Bad input: an attacker alternating unknown badges and wrong PINs."""
    for i in range(2):
        gate.login_badge("DEADBEEF")
        gate.login_pin("111111")
    assert gate.login_badge("DEADBEEF").outcome is LoginOutcome.LOCKED
    assert gate.login_badge("04A22B9C").outcome is LoginOutcome.LOCKED


def test_a_success_resets_the_failure_count(gate):
    """Bad input: four wrong PINs, one right, then four more wrong: no lockout."""
    for _ in range(4):
        gate.login_pin("000000")
    assert gate.login_badge("04A22B9C").ok
    gate.logout()
    results = [gate.login_pin("000000") for _ in range(4)]
    assert results[-1].outcome is LoginOutcome.WRONG and results[-1].tries_left == 1


def test_session_ends_after_ten_idle_minutes(gate, clock, events):
    """Bad input: a technician walks away with the session open."""
    gate.login_pin("246810")
    clock.advance(599)
    assert gate.session is not None and gate.idle_left() == pytest.approx(1)
    gate.touch()
    clock.advance(599)
    assert gate.session is not None
    clock.advance(1)
    assert gate.session is None
    assert events[-1] == ("session_expired", {"who": "pin"})


def test_expire_if_idle_reports_the_transition_once(gate, clock):
    gate.login_pin("246810")
    clock.advance(600)
    assert gate.expire_if_idle() is True
    assert gate.expire_if_idle() is False


def test_logout_is_recorded(gate, events):
    gate.login_badge("04A22B9C")
    gate.logout()
    gate.logout()
    assert events[-1] == ("logout", {"who": "badge#1"}) and gate.session is None
    assert [a for a, _ in events].count("logout") == 1


def test_rejects_nonsense_policy():
    with pytest.raises(ValueError):
        TechnicianGate(FixedChecker(), max_tries=0)
