"""Who may open technician mode, and for how long: lockout and idle-session policy.

Plain code with an injected clock, so tests drive time instead of sleeping. The gate does
not know how a PIN or badge is checked (that is `kiosk.technician.credentials.Credentials`, argon2)
nor where events go (the audit trail): both are handed in. It never sees a citizen's data.

Policy (issue 7): 5 wrong tries lock the gate for 5 minutes; during a lockout no credential
is even checked (so a correct PIN does not help an attacker probing the keypad); a session
ends after 10 idle minutes.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

#: Seconds from an arbitrary origin; `time.monotonic` in production, a fake in tests.
Clock = Callable[[], float]


class CredentialChecker(Protocol):
    """Checks a PIN or a badge UID; returns who it is (a data-free label) or None."""

    def check_pin(self, pin: str) -> str | None: ...

    def check_badge(self, uid: str) -> str | None: ...


class LoginOutcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What the login screen shows: outcome, tries left before lockout, lockout remaining."""

    outcome: LoginOutcome
    tries_left: int = 0
    locked_for_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is LoginOutcome.OK


@dataclass(slots=True)
class TechnicianSession:
    """An open technician session: who (a label such as "pin" or "badge#2"), since when."""

    who: str
    method: str
    started_at: float
    last_activity: float


#: (action, detail) -> None. Actions: login, failed_login, lockout, logout, session_expired.
EventSink = Callable[[str, dict[str, str | int]], None]


class TechnicianGate:
    """Login with lockout, and the one open session with its idle expiry."""

    def __init__(
        self,
        checker: CredentialChecker,
        *,
        max_tries: int = 5,
        lockout_s: float = 300.0,
        idle_s: float = 600.0,
        clock: Clock = time.monotonic,
        on_event: EventSink | None = None,
    ) -> None:
        if max_tries < 1 or lockout_s <= 0 or idle_s <= 0:
            raise ValueError("max_tries, lockout_s and idle_s must be positive")
        self._checker = checker
        self._max_tries = max_tries
        self._lockout_s = lockout_s
        self._idle_s = idle_s
        self._clock = clock
        self._on_event = on_event or (lambda action, detail: None)
        self._failures = 0
        self._locked_until: float | None = None
        self._session: TechnicianSession | None = None

    # --- lockout --------------------------------------------------------------------

    def restore(self, failures: int, locked_until: float | None) -> None:
        """Carry failed tries and a running lockout over a restart (from the audit trail),
        so switching the station off and on is no way around the lockout."""
        self._failures = max(0, min(failures, self._max_tries - 1))
        self._locked_until = locked_until if locked_until is not None and locked_until > self._clock() else None

    def locked_for(self) -> float:
        """Seconds of lockout left (0 when not locked). Ends the lockout when it is over."""
        if self._locked_until is None:
            return 0.0
        left = self._locked_until - self._clock()
        if left <= 0:
            self._locked_until = None
            self._failures = 0
            return 0.0
        return left

    @property
    def tries_left(self) -> int:
        return 0 if self.locked_for() else self._max_tries - self._failures

    def login_pin(self, pin: str) -> LoginResult:
        return self._login("pin", lambda: self._checker.check_pin(pin))

    def login_badge(self, uid: str) -> LoginResult:
        return self._login("badge", lambda: self._checker.check_badge(uid))

    def _login(self, method: str, check: Callable[[], str | None]) -> LoginResult:
        left = self.locked_for()
        if left:
            self._on_event("failed_login", {"method": method, "reason": "locked"})
            return LoginResult(LoginOutcome.LOCKED, 0, left)
        who = check()
        if who is None:
            self._failures += 1
            self._on_event("failed_login", {"method": method, "reason": "wrong", "tries": self._failures})
            if self._failures >= self._max_tries:
                self._locked_until = self._clock() + self._lockout_s
                self._on_event("lockout", {"minutes": round(self._lockout_s / 60, 1)})
                return LoginResult(LoginOutcome.LOCKED, 0, self._lockout_s)
            return LoginResult(LoginOutcome.WRONG, self._max_tries - self._failures)
        self._failures = 0
        now = self._clock()
        self._session = TechnicianSession(who=who, method=method, started_at=now, last_activity=now)
        self._on_event("login", {"method": method, "who": who})
        return LoginResult(LoginOutcome.OK, self._max_tries)

    # --- session --------------------------------------------------------------------

    @property
    def session(self) -> TechnicianSession | None:
        """The open session, or None (an idle session is ended on access)."""
        self.expire_if_idle()
        return self._session

    def idle_left(self) -> float:
        """Seconds before the open session expires (0 when there is none)."""
        if self.session is None:
            return 0.0
        return self._idle_s - (self._clock() - self._session.last_activity)

    def touch(self) -> None:
        """The technician did something: restart the idle timer."""
        if self.session is not None:
            self._session.last_activity = self._clock()

    def expire_if_idle(self) -> bool:
        """End the session when it has been idle too long; True when it just ended."""
        if self._session is None:
            return False
        if self._clock() - self._session.last_activity < self._idle_s:
            return False
        who = self._session.who
        self._session = None
        self._on_event("session_expired", {"who": who})
        return True

    def logout(self) -> None:
        """The technician left technician mode."""
        if self._session is not None:
            who = self._session.who
            self._session = None
            self._on_event("logout", {"who": who})
