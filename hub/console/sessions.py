"""Console login sessions, kept in the hub's memory (a restart logs every admin out).

The cookie holds a random session id; the hub keeps only its SHA-256, with the admin's
name, a CSRF token for the session's forms, and two deadlines (idle and absolute). Failed
logins are throttled per name: after `MAX_FAILURES` in a row, that name is refused for
`LOCKOUT_S` whatever the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_FAILURES = 5
LOCKOUT_S = 300.0


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogateescape")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


@dataclass
class Session:
    admin: str
    csrf: str
    idle_until: float
    ends_at: float


class Sessions:
    def __init__(self, idle_s: float, max_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._idle_s, self._max_s, self._clock = idle_s, max_s, clock
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def locked_out(self, admin: str) -> bool:
        with self._lock:
            count, until = self._failures.get(admin, (0, 0.0))
            return count >= MAX_FAILURES and self._clock() < until

    def failed(self, admin: str) -> None:
        with self._lock:
            count, _ = self._failures.get(admin, (0, 0.0))
            self._failures[admin] = (count + 1, self._clock() + LOCKOUT_S)

    def start(self, admin: str) -> str:
        """A new session for `admin`; returns the id for the cookie."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._failures.pop(admin, None)
            self._expire(now)
            self._sessions[_digest(session_id)] = Session(admin, secrets.token_urlsafe(24), now + self._idle_s,
                                                          now + self._max_s)
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The live session for a cookie (its idle deadline moved on), or None."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(_digest(session_id))
            if session is None or now > session.idle_until or now > session.ends_at:
                self._sessions.pop(_digest(session_id), None)
                return None
            session.idle_until = now + self._idle_s
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(_digest(session_id), None)

    def _expire(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if now > s.idle_until or now > s.ends_at]:
            del self._sessions[key]
