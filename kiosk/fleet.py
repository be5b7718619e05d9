"""What the composition root builds for technicians and fleet monitoring, in one call.

`build_fleet(...)` wires the device supervisor to the metrics file and the optional
loopback endpoint; `Fleet.start()` probes once and starts the timer; `Fleet.stop()` is
idempotent. The supervisor itself is also what the heartbeat (`device_states`) and the
UI (`add_listener`, `available`) read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.printer.base import ReceiptPrinter
from kiosk.domain.catalog import Service
from kiosk.domain.technician import EventSink
from kiosk.metrics import MetricsServer, StationMetrics, write_atomically
from kiosk.settings_technician import SupervisorSettings
from kiosk.supervisor import DeviceHealth, DeviceState, Listener, Supervisor, probers_for
from offline_queue.api import QueueCounts
from offline_queue.audit import AuditTrail


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
