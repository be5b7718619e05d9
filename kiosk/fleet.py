"""What the composition root builds for technicians and fleet monitoring, in one call.

`build_fleet(...)` wires the device supervisor to the metrics file and the optional
loopback endpoint; `Fleet.start()` probes once and starts the timer; `Fleet.stop()` is
idempotent. The supervisor itself is also what the heartbeat (`device_states`) and the
UI (`add_listener`, `available`) read.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.printer.base import ReceiptPrinter
from kiosk.config import Config
from kiosk.domain.catalog import Catalog, Service
from kiosk.technician.gate import EventSink, TechnicianGate
from kiosk.health.metrics import MetricsServer, StationMetrics, write_atomically
from kiosk.health.settings import SupervisorSettings
from kiosk.technician.settings import TechnicianSettings
from kiosk.technician.credentials import Credentials
from kiosk.health.supervisor import DeviceHealth, DeviceState, Listener, Supervisor, probers_for
from offline_queue.api import QueueCounts
from kiosk.technician.ops import TechnicianOps
from offline_queue.audit import AuditTrail
from offline_queue.outbox import Outbox


@dataclass
class Fleet:
    supervisor: Supervisor
    metrics: StationMetrics
    metrics_path: Path | None
    server: MetricsServer | None

    def start(self) -> None:
        self.supervisor.start()
        if self.server is not None:
            self.server.start()

    def stop(self) -> None:
        self.supervisor.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None


def build_fleet(
    settings: SupervisorSettings,
    *,
    card: CardReader | None = None,
    camera: Camera | None = None,
    printer: ReceiptPrinter | None = None,
    metrics_path: Path | None = None,
    queue_counts: Callable[[], QueueCounts] | None = None,
    catalog_version: Callable[[], int | None] | None = None,
    services: Callable[[], Iterable[Service]] | None = None,
    healers: dict[str, Callable[[], None]] | None = None,
) -> Fleet:
    """`metrics_path` is `settings.metrics_path` resolved against the config's folder (None = off)."""
    supervisor = Supervisor(
        probers_for(card, camera, printer),
        policy=settings.policy,
        interval_s=settings.probe_interval_s,
        probe_timeout_s=settings.probe_timeout_s,
        healers=healers,
    )
    metrics = StationMetrics(
        supervisor, queue_counts=queue_counts, catalog_version=catalog_version, services=services
    )
    if metrics_path is not None:
        supervisor.after_each_round(lambda: write_atomically(metrics_path, metrics.render()))
    server = MetricsServer(metrics, settings.metrics_port, settings.metrics_bind) if settings.metrics_port else None
    return Fleet(supervisor, metrics, metrics_path, server)


def build_gate(
    settings: TechnicianSettings, trail: AuditTrail, clock: Callable[[], float] = time.time
) -> TechnicianGate:
    """The technician login policy from `[technician]`, every event on the audit trail.

    Wall-clock time (not monotonic) so that failed tries and a running lockout, read back
    from the audit trail, still hold after a restart.
    """
    gate = TechnicianGate(
        Credentials(settings.pin_hash, settings.badge_uid_hashes),
        max_tries=settings.max_tries,
        lockout_s=settings.lockout_minutes * 60,
        idle_s=settings.idle_minutes * 60,
        clock=clock,
        on_event=audit_gate_events(trail),
    )
    gate.restore(*_login_state(trail, settings.lockout_minutes * 60))
    return gate


def _login_state(trail: AuditTrail, lockout_s: float) -> tuple[int, float | None]:
    """(wrong tries since the last login or lockout, end of the newest lockout) from the trail."""
    failures = 0
    for record in trail.recent(200):
        if record.actor != "technician":
            continue
        if record.action == "login":
            return failures, None
        if record.action == "lockout":
            at = dt.datetime.fromisoformat(record.time.replace("Z", "+00:00")).timestamp()
            return failures, at + lockout_s
        if record.action == "failed_login" and record.detail.get("reason") == "wrong":
            failures += 1
    return failures, None


def audit_gate_events(trail: AuditTrail) -> EventSink:
    """The technician gate's events (login, failed_login, lockout, ...) as audit records."""
    return lambda action, detail: trail.append("technician", action, detail)


def audit_device_changes(trail: AuditTrail) -> Listener:
    """Device state changes as system audit records (the "recent events" screen shows them)."""

    def listener(old: DeviceHealth, new: DeviceHealth) -> None:
        if old.state is DeviceState.UNKNOWN and new.state is DeviceState.OK:
            return  # the first probe finding a healthy device is not news
        trail.append("system", "device_state", {"device": new.device, "state": new.state.value, "was": old.state.value})

    return listener


#: Where the station app leaves its device states for the sync daemon's heartbeat: the
#: queue database's small shared state (both processes open it), not a second file.
DEVICE_STATES_FLAG = "device_states"


class FlagStore(Protocol):
    """`offline_queue.outbox.Outbox`'s shared key/value state."""

    def get_flag(self, key: str) -> str | None: ...

    def set_flag(self, key: str, value: str | None) -> None: ...


def publish_device_states(supervisor: Supervisor, flags: FlagStore, clock: Callable[[], float] = time.time) -> None:
    """Hook for `supervisor.after_each_round`: store the states with the time they were taken."""
    flags.set_flag(DEVICE_STATES_FLAG, json.dumps({"at": clock(), "devices": supervisor.device_states()}))


def read_device_states(
    flags: FlagStore, stale_after_s: float = 120.0, clock: Callable[[], float] = time.time
) -> dict[str, dict[str, str]]:
    """The daemon's `device_states` for the heartbeat.

    When the station app has not reported for `stale_after_s` (crashed, hung, stopped) its
    old states are not passed off as current: the heartbeat says the app itself is down.
    """
    raw = flags.get_flag(DEVICE_STATES_FLAG)
    try:
        report = json.loads(raw) if raw else None
        age = clock() - float(report["at"]) if report else None
        devices = dict(report["devices"]) if report else {}
    except (ValueError, KeyError, TypeError):
        return {"station_app": {"state": "down", "detail": "device report unreadable"}}
    if age is None:
        return {"station_app": {"state": "down", "detail": "no device report yet"}}
    if age > stale_after_s:
        return {"station_app": {"state": "down", "detail": f"no device report for {int(age)} s"}}
    return devices


@dataclass
class TechnicianStack:
    """Everything technician mode and fleet monitoring need, built from the config in one call."""

    audit: AuditTrail
    fleet: Fleet
    ops: TechnicianOps

    @property
    def supervisor(self) -> Supervisor:
        return self.fleet.supervisor

    def start(self) -> None:
        """First probe now (states are known before the first citizen), then the timer."""
        self.audit.forward()  # records a crash left unforwarded
        self.fleet.start()

    def close(self) -> None:
        self.fleet.stop()
        self.audit.close()


def build_technician_stack(
    config: Config,
    *,
    card: CardReader,
    camera: Camera,
    printer: ReceiptPrinter,
    outbox: Outbox,
    catalog: Callable[[], Catalog | None],
    leave: Callable[[], None] = lambda: None,
) -> TechnicianStack:
    """Audit trail (forwarded through `outbox`), supervisor + metrics, gate and tools.

    The supervisor's states go to the audit trail (changes), to the queue database's shared
    flags (for the sync daemon's heartbeat) and to the metrics file after every round.
    """
    audit = AuditTrail(config.resolve(Path(config.audit.db_path)), sink=outbox.enqueue, kiosk_id=config.station.id)
    settings = config.supervisor

    def catalog_version() -> int | None:
        active = outbox.catalog.active()
        return active.version if active else None

    def services() -> Iterable[Service]:
        current = catalog()
        return current.services if current is not None else ()

    fleet = build_fleet(
        settings,
        card=card,
        camera=camera,
        printer=printer,
        metrics_path=config.resolve(Path(settings.metrics_path)) if settings.metrics_path else None,
        queue_counts=outbox.counts,
        catalog_version=catalog_version,
        services=services,
    )
    fleet.supervisor.add_listener(audit_device_changes(audit))
    fleet.supervisor.after_each_round(lambda: publish_device_states(fleet.supervisor, outbox))
    ops = TechnicianOps(
        gate=build_gate(config.technician, audit),
        supervisor=fleet.supervisor,
        audit=audit,
        outbox=outbox,
        card=card,
        camera=camera,
        printer=printer,
        station_id=config.station.id,
        region=config.station.region,
        trusted_admin_keys=config.sync.trusted_admin_keys,
        export_dir=config.technician.export_dir,
        leave=leave,
    )
    return TechnicianStack(audit, fleet, ops)
