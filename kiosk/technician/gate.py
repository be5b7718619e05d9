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
from dataclasses import dataclass, replace
from typing import Protocol

from kiosk.technician.lockout import LockoutState, LockoutStateUnreadable, LockoutStore

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
    """What the login screen shows: outcome, tries left before lockout, lockout remaining,
    and why the gate is locked when it is not for wrong tries ("missing", "corrupt", ...)."""

    outcome: LoginOutcome
    tries_left: int = 0
    locked_for_s: float = 0.0
    state_problem: str = ""

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


#: (action, detail) -> None. Actions: login, failed_login, lockout, lockout_refused (one per
#: lockout, with the count of tries refused during it), lockout_state (its store was missing or
#: unreadable: locked), logout, session_expired.
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
        store: LockoutStore | None = None,
    ) -> None:
        """`store`: where the lockout state survives restarts (`clock` must then be wall-clock
        time); None keeps it in memory only (tests)."""
        if max_tries < 1 or lockout_s <= 0 or idle_s <= 0:
            raise ValueError("max_tries, lockout_s and idle_s must be positive")
        self._checker = checker
        self._max_tries = max_tries
        self._lockout_s = lockout_s
        self._idle_s = idle_s
        self._clock = clock
        self._on_event = on_event or (lambda action, detail: None)
        self._store = store
        self._state = LockoutState()
        self._state_problem = ""
        self._session: TechnicianSession | None = None
        if store is not None:
            self._load(store)

    # --- lockout --------------------------------------------------------------------

    def _load(self, store: LockoutStore) -> None:
        """The state a restart must not reset; a missing or unreadable one locks (fail closed)."""
        try:
            state = store.load()
        except LockoutStateUnreadable as exc:
            self._state_problem = str(exc)
            self._on_event("lockout_state", {"problem": self._state_problem})
            self._set(LockoutState(locked_until=self._clock() + self._lockout_s))
            return
        self._state = replace(state, failures=min(state.failures, self._max_tries - 1))

    def _set(self, state: LockoutState) -> None:
        """Keep `state`; a store that cannot write it keeps the gate locked (fail closed)."""
        self._state = state
        if self._store is None:
            return
        try:
            self._store.save(state)
        except OSError:
            if self._state_problem != "unwritable":
                self._on_event("lockout_state", {"problem": "unwritable"})
            self._state_problem = "unwritable"
            if state.locked_until is None:
                self._state = replace(state, locked_until=self._clock() + self._lockout_s)

    def locked_for(self) -> float:
        """Seconds of lockout left (0 when not locked). Ends the lockout when it is over."""
        until = self._state.locked_until
        if until is None:
            return 0.0
        left = until - self._clock()
        if left > 0:
            return left
        if self._state.refused:
            self._on_event("lockout_refused", {"count": self._state.refused})
        self._state_problem = ""
        self._set(LockoutState())
        return 0.0

    @property
    def tries_left(self) -> int:
        return 0 if self.locked_for() else self._max_tries - self._state.failures

    def login_pin(self, pin: str) -> LoginResult:
        return self._login("pin", lambda: self._checker.check_pin(pin))

    def login_badge(self, uid: str) -> LoginResult:
        return self._login("badge", lambda: self._checker.check_badge(uid))

    def _login(self, method: str, check: Callable[[], str | None]) -> LoginResult:
        left = self.locked_for()
        if left:  # counted, not recorded one by one: tapping must not grow the audit trail
            self._set(replace(self._state, refused=self._state.refused + 1))
            return LoginResult(LoginOutcome.LOCKED, 0, left, self._state_problem)
        who = check()
        if who is None:
            failures = self._state.failures + 1
            self._on_event("failed_login", {"method": method, "reason": "wrong", "tries": failures})
            if failures >= self._max_tries:
                self._set(LockoutState(locked_until=self._clock() + self._lockout_s))
                self._on_event("lockout", {"minutes": round(self._lockout_s / 60, 1)})
                return LoginResult(LoginOutcome.LOCKED, 0, self._lockout_s)
            self._set(LockoutState(failures=failures))
            return LoginResult(LoginOutcome.WRONG, self._max_tries - failures)
        if self._state != LockoutState():
            self._set(LockoutState())
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
