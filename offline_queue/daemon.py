"""The sync daemon (`run_kiosk.py sync`): deliver, pull catalogs, send heartbeats, purge.

One loop (the engine's delivery workers aside). It never holds more than `concurrency`
records in memory, sleeps only on an `Event` (so SIGTERM wakes it at once), and
SIGTERM/SIGINT let the requests in flight finish (the engine checks for a stop before each
request and puts an unfinished record back, untouched), then the loop exits, the sessions
and the database close, and the process returns 0. A SIGKILL at any instant is also safe: the record's lease expires and the next
run retries it with the same id, which the platform's idempotency absorbs.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from offline_queue.audit import AuditTrail
from offline_queue.client import ServiceClient
from offline_queue.engine import DeviceStates, SyncEngine, SyncSummary
from offline_queue.settings import QueueSettings, SyncSettings
from offline_queue.outbox import Outbox

log = logging.getLogger(__name__)

PURGE_INTERVAL_S = 3600.0


def build_engine(
    queue: QueueSettings,
    sync: SyncSettings,
    *,
    db_path: str | Path | None = None,
    device_states: DeviceStates | None = None,
) -> SyncEngine:
    """The composition root's one call: outbox + service client + engine, from the two sections."""
    outbox = Outbox.from_settings(queue, db_path)
    return SyncEngine(outbox, ServiceClient(sync), sync, device_states=device_states)


@dataclass
class _Timer:
    interval: float
    due: float = 0.0  # monotonic; 0 means "at once"

    def ready(self, now: float) -> bool:
        if now >= self.due:
            self.due = now + self.interval
            return True
        return False


class ServiceManager(Protocol):
    """What the daemon tells its service manager (`kiosk.health.systemd.SdNotifier` under systemd)."""

    def ready(self, status: str = "") -> object: ...

    def watchdog(self) -> object: ...

    def stopping(self) -> object: ...


class _Unmanaged:
    """No service manager: every notification is dropped."""

    def ready(self, status: str = "") -> None:
        pass

    def watchdog(self) -> None:
        pass

    def stopping(self) -> None:
        pass


class SyncDaemon:
    """Runs a `SyncEngine` until `stop` is set."""

    def __init__(
        self,
        engine: SyncEngine,
        stop: threading.Event | None = None,
        systemd: ServiceManager | None = None,
        audit: AuditTrail | None = None,
    ) -> None:
        self.engine = engine
        self.stop = stop or threading.Event()
        self.systemd = systemd or _Unmanaged()  # the composition root passes systemd's notifier
        self.audit = audit  # catalog installs and refusals go on the audit trail
        self._last_catalog = ""
        engine.should_stop = self.stop.is_set
        s = engine.settings
        self._heartbeat = _Timer(s.heartbeat_interval_s)
        self._catalog = _Timer(s.catalog_poll_interval_s)
        self._purge = _Timer(PURGE_INTERVAL_S)

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT request a clean stop (main thread only)."""

        def handler(signum: int, frame: object) -> None:
            log.info("signal %s: finishing the current request, then exiting", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _housekeeping(self, now: float) -> None:
        engine = self.engine
        if self._catalog.ready(now):
            result = engine.poll_catalog()
            log.info("catalog: %s", result)
            self._audit_catalog(result)
        if self._heartbeat.ready(now):
            result = engine.heartbeat()
            if result != "ok":
                log.warning("heartbeat: %s", result)
        if self._purge.ready(now):
            purged = engine.outbox.purge()
            if purged:
                log.info("purged %d delivered records past retention", purged)

    def _audit_catalog(self, result: str) -> None:
        """An admin's signed bundle installed (or refused): on record, once per outcome.

        A refused bundle is fetched again at every poll; recording only changes keeps the
        trail from filling with the same line every few minutes.
        """
        outcome = result.partition(":")[0]
        if self.audit is None or outcome not in ("applied", "staged", "rejected") or result == self._last_catalog:
            return
        self._last_catalog = result
        self.audit.append("admin", "catalog_install", {"result": result[:80], "source": "platform"})

    def _idle_wait(self, now: float) -> float:
        """How long to sleep when nothing is due: until the next thing that could be."""
        s = self.engine.settings
        waits = [s.idle_poll_s, self._heartbeat.due - now, self._catalog.due - now]
        paused = self.engine.paused_for()
        if paused > 0:
            waits.append(paused)
        due = self.engine.outbox.next_due_ts()
        if due is not None:
            waits.append(due - time.time())
        return max(0.01, min(waits))

    def run(self) -> int:
        log.info("sync daemon started (kiosk %s)", self.engine.settings.kiosk_id)
        engine = self.engine
        self.systemd.ready(f"delivering for {engine.settings.kiosk_id}")
        try:
            while not self.stop.is_set():
                self.systemd.watchdog()  # from the loop itself: a stuck loop stops the pings
                now = time.monotonic()
                self._housekeeping(now)
                if self.stop.is_set():
                    break
                outcome = engine.deliver_one()
                if outcome is None:
                    engine.flush()
                    engine.outbox.catalog.apply_due()
                    self.stop.wait(self._idle_wait(time.monotonic()))
        finally:
            self.systemd.stopping()
            engine.flush()
            self.close()
        log.info("sync daemon stopped")
        return 0

    def run_once(self, print_line: Callable[[str], None] = print) -> int:
        """Deliver until nothing is due, pull the catalog, send one heartbeat, print one line."""
        started = time.monotonic()
        engine = self.engine
        try:
            summary: SyncSummary = engine.run_until_idle()
            if not self.stop.is_set():
                summary.catalog = engine.poll_catalog()
                self._audit_catalog(summary.catalog)
                summary.heartbeat = engine.heartbeat()
            counts = engine.outbox.counts()
        finally:
            self.close()
        print_line(summary.line(counts.pending + counts.in_flight, time.monotonic() - started))
        return 1 if summary.auth_refused else 0

    def close(self) -> None:
        if self.audit is not None:
            self.audit.close()
        self.engine.close()
        self.engine.outbox.close()
