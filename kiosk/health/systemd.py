"""sd_notify(3) without a dependency: READY, STATUS, STOPPING and WATCHDOG pings to systemd.

systemd passes a unix datagram socket in `$NOTIFY_SOCKET` (a path, or `@name` for the
abstract namespace) and, when the unit has `WatchdogSec=`, the interval in
`$WATCHDOG_USEC`; a service that stays silent longer than that is killed and restarted.
Pings must come from the loop whose liveness they prove: the station app sends them from
a Textual timer (a hung UI stops them), the sync daemon from its delivery loop.

The composition root hands one to the station app and to the sync daemon (which knows it
only as `offline_queue.daemon.ServiceManager`). Outside systemd every call is a no-op.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Mapping


class SdNotifier:
    """Sends notifications to `$NOTIFY_SOCKET`; `enabled` is False when there is none."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]
        self._address = address if address[:1] in ("/", "\0") else ""
        self._watchdog_s = self._watchdog_interval(env)

    @staticmethod
    def _watchdog_interval(env: Mapping[str, str]) -> float | None:
        """`WATCHDOG_USEC` in seconds, if it is meant for this process.

        systemd sets `WATCHDOG_PID` to the unit's main process. Under cage + foot the
        station is a grandchild of it; that unit sets `KIOSK_WATCHDOG_DESCENDANT=1` (and
        `NotifyAccess=all`) so the station still pings.
        """
        try:
            usec = int(env.get("WATCHDOG_USEC", "0"))
        except ValueError:
            return None
        if usec <= 0:
            return None
        pid = env.get("WATCHDOG_PID")
        if pid and pid != str(os.getpid()) and env.get("KIOSK_WATCHDOG_DESCENDANT") != "1":
            return None
        return usec / 1_000_000

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds within which a WATCHDOG=1 must arrive, or None when there is no watchdog."""
        return self._watchdog_s if self.enabled else None

    def notify(self, message: str) -> bool:
        """Send one datagram such as "READY=1\\nSTATUS=..."; False when not under systemd or it failed."""
        if not self._address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.settimeout(1.0)
                sock.connect(self._address)
                sock.sendall(message.encode())
            return True
        except OSError:
            return False  # systemd gone or socket full: nothing useful to do about it

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")


class WatchdogPinger:
    """Pings the watchdog at half its interval while `alive()` says the process is healthy.

    For processes whose main loop cannot host a timer; `alive` should check real progress
    (e.g. "the delivery loop ran within the last N seconds"), otherwise the watchdog only
    proves this thread is alive.
    """

    def __init__(self, notifier: SdNotifier, alive: Callable[[], bool]) -> None:
        self._notifier = notifier
        self._alive = alive
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        interval = self._notifier.watchdog_interval
        if interval is None or self._thread is not None:
            return False
        self._thread = threading.Thread(target=self._run, args=(interval / 2,), name="sd-watchdog", daemon=True)
        self._thread.start()
        return True

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            if self._alive():
                self._notifier.watchdog()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
