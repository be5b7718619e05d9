"""Technician mode and fleet monitoring, wired from config: supervisor, metrics, gate, tools.

The supervisor's states go to the audit trail (changes), to the queue database's flags (for
the sync daemon's heartbeat, `offline_queue.device_states`) and to the metrics file after
every probe round. The technician tools (`TechnicianOps`) are built here twice over: for the
touch screen, acting for whoever logged in at the gate, and for the console (`run_kiosk.py
queue retry`, `queue export`, `printer test`), acting for the shell's user: the same actions,
audited the same way.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from devices.audio.base import Speaker
from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.printer.base import ReceiptPrinter
from kiosk.bootstrap import parts
from kiosk.config import Config
from kiosk.domain.catalog import Catalog, Service
from kiosk.health.metrics import MetricsServer, StationMetrics, write_atomically
from kiosk.health.settings import SupervisorSettings
from kiosk.health.supervisor import DeviceHealth, DeviceState, Listener, Supervisor, probers_for
from kiosk.technician.credentials import Credentials
from kiosk.technician.gate import EventSink, TechnicianGate
from kiosk.technician.lockout import LockoutFile, LockoutStore
from kiosk.technician.ops import Console, GateSession, TechnicianOps
from kiosk.technician.settings import TechnicianSettings
from offline_queue.api import QueueCounts
from offline_queue.audit import AuditTrail
from offline_queue.device_states import publish_device_states
from offline_queue.outbox import Outbox


@dataclass
class Monitoring:
    """The device supervisor with its metrics file and optional loopback endpoint."""

    supervisor: Supervisor
    metrics: StationMetrics
    server: MetricsServer | None

    def start(self) -> None:
        """First probe now (states are known before the first citizen), then the timer."""
        self.supervisor.start()
        if self.server is not None:
            self.server.start()

    def stop(self) -> None:
        """Idempotent."""
        self.supervisor.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None


def build_monitoring(
    settings: SupervisorSettings,
    *,
    card: CardReader | None = None,
    camera: Camera | None = None,
    printer: ReceiptPrinter | None = None,
    audio: Speaker | None = None,
    metrics_path: Path | None = None,
    queue_counts: Callable[[], QueueCounts] | None = None,
    catalog_version: Callable[[], int | None] | None = None,
    services: Callable[[], Iterable[Service]] | None = None,
    paper_low_policy: Literal["warn", "block"] = "warn",
) -> Monitoring:
    """`metrics_path` is `settings.metrics_path` resolved against the config's folder (None = off)."""
    supervisor = Supervisor(
        probers_for(card, camera, printer, audio=audio),
        policy=settings.policy,
        interval_s=settings.probe_interval_s,
        probe_timeout_s=settings.probe_timeout_s,
        paper_low_policy=paper_low_policy,
    )
    metrics = StationMetrics(
        supervisor, queue_counts=queue_counts, catalog_version=catalog_version, services=services
    )
    if metrics_path is not None:
        supervisor.after_each_round(lambda: write_atomically(metrics_path, metrics.render()))
    server = MetricsServer(metrics, settings.metrics_port, settings.metrics_bind) if settings.metrics_port else None
    return Monitoring(supervisor, metrics, server)


def build_gate(
    settings: TechnicianSettings,
    trail: AuditTrail,
    store: LockoutStore | None,
    clock: Callable[[], float] = time.time,
) -> TechnicianGate:
    """The technician login policy from `[technician]`, every event on the audit trail.

    Wall-clock time (not monotonic) so that a running lockout, kept in `store`, still holds
    after a restart.
    """
    return TechnicianGate(
        Credentials(settings.pin_hash, settings.badge_uid_hashes),
        max_tries=settings.max_tries,
        lockout_s=settings.lockout_minutes * 60,
        idle_s=settings.idle_minutes * 60,
        clock=clock,
        on_event=audit_gate_events(trail),
        store=store,
    )


def lockout_file(config: Config) -> LockoutFile:
    """`[technician] lockout_state_path`; call it BEFORE the audit trail is opened: a station
    whose audit trail does not exist yet is new, so a missing state file is no tampering."""
    new_station = not config.resolve(Path(config.audit.db_path)).exists()
    return LockoutFile(config.resolve(Path(config.technician.lockout_state_path)), new_station=new_station)


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


@dataclass
class TechnicianStack:
    """Everything technician mode and fleet monitoring need, built from the config in one call."""

    audit: AuditTrail
    monitoring: Monitoring
    ops: TechnicianOps

    @property
    def supervisor(self) -> Supervisor:
        return self.monitoring.supervisor

    def start(self) -> None:
        self.audit.forward()  # records a crash left unforwarded
        self.monitoring.start()

    def close(self) -> None:
        self.monitoring.stop()
        self.audit.close()


def build_technician_stack(
    config: Config,
    *,
    card: CardReader,
    camera: Camera,
    printer: ReceiptPrinter,
    outbox: Outbox,
    catalog: Callable[[], Catalog | None],
    audio: Speaker | None = None,
) -> TechnicianStack:
    """Audit trail (forwarded through `outbox`), supervisor + metrics, gate and tools."""
    lockout = lockout_file(config)
    audit = parts.audit_trail(config, outbox)
    settings = config.supervisor

    def catalog_version() -> int | None:
        active = outbox.catalog.active()
        return active.version if active else None

    def services() -> Iterable[Service]:
        current = catalog()
        return current.services if current is not None else ()

    monitoring = build_monitoring(
        settings,
        card=card,
        camera=camera,
        printer=printer,
        audio=audio,
        metrics_path=config.resolve(Path(settings.metrics_path)) if settings.metrics_path else None,
        queue_counts=outbox.counts,
        catalog_version=catalog_version,
        services=services,
        paper_low_policy=config.printer.paper_low_policy,
    )
    supervisor = monitoring.supervisor
    supervisor.add_listener(audit_device_changes(audit))
    supervisor.after_each_round(lambda: publish_device_states(outbox, supervisor.device_states()))
    gate = build_gate(config.technician, audit, lockout)
    ops = _ops(config, GateSession(gate), gate, supervisor, audit, outbox, card, camera, printer)
    return TechnicianStack(audit, monitoring, ops)


def _ops(config: Config, operator, gate, supervisor, audit, outbox, card, camera, printer) -> TechnicianOps:
    return TechnicianOps(
        operator=operator,
        gate=gate,
        supervisor=supervisor,
        audit=audit,
        outbox=outbox,
        card=card,
        camera=camera,
        printer=printer,
        station_id=config.station.id,
        region=config.station.region,
        trusted_admin_keys=config.sync.trusted_admin_keys,
        export_dir=config.technician.export_dir,
    )


def _console_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for this uid (containers)
        return "unknown"


@contextmanager
def console_technician(config: Config) -> Iterator[TechnicianOps]:
    """The technician tools for a CLI command, acting as `console:<user>` on the audit trail.

    Whoever runs `run_kiosk.py` on the station already has its files, so no PIN is asked;
    what they do is still recorded, exactly as the touch screen's actions are. Devices are
    built, not started: an action opens what it needs.
    """
    with ExitStack() as stack:
        outbox = parts.outbox(config)
        stack.callback(outbox.close)
        audit = parts.audit_trail(config, outbox)
        stack.callback(audit.close)
        card, camera, printer = parts.card_reader(config), parts.camera(config), parts.printer(config)
        supervisor = Supervisor(probers_for(card, camera, printer), probe_timeout_s=config.supervisor.probe_timeout_s)
        gate = build_gate(config.technician, audit, None)  # no login at the console: its lockout is not used
        yield _ops(config, Console(_console_user()), gate, supervisor, audit, outbox, card, camera, printer)
