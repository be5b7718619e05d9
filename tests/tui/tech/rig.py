"""A whole technician-mode stack on real parts: simulated card reader, camera and printer,
a real outbox in a temp dir, a real audit trail, argon2 (cheap parameters), a fake clock for
the gate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from devices.camera.simulated import SimulatedCamera
from devices.card.base import CardReader
from devices.card.simulated import SimulatedCardReader
from devices.printer.simulated import SimulatedPrinter
from kiosk.technician.gate import TechnicianGate
from kiosk.bootstrap.technician import audit_device_changes, audit_gate_events
from kiosk.health.supervisor import Supervisor, probers_for
from kiosk.technician.credentials import Credentials, hash_badge_uid, hash_pin
from kiosk.technician.ops import TechnicianOps
from offline_queue.audit import AuditTrail
from offline_queue.sealing import Sealer, generate_keypair
from offline_queue.outbox import Outbox

PIN = "246810"
BADGE_UID = "04A1B2C3D4E580"  # devices.card.samples.TECHNICIAN_BADGE
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class FakeClock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    card: SimulatedCardReader  # or a real reader (build_rig's card=)
    camera: SimulatedCamera
    printer: SimulatedPrinter
    outbox: Outbox
    audit: AuditTrail
    supervisor: Supervisor
    gate: TechnicianGate
    clock: FakeClock
    ops: TechnicianOps
    left: list[bool]
    admin_private_key: str
    tmp: Path

    def close(self) -> None:
        self.supervisor.stop()
        self.audit.close()
        self.outbox.close()


def build_rig(
    tmp: Path,
    *,
    region: str = "440105",
    card: CardReader | None = None,
    frozen_time: bool = False,
    camera: SimulatedCamera | None = None,
    printer: SimulatedPrinter | None = None,
    outbox: Outbox | None = None,
    probe: bool = True,
) -> Rig:
    """`card`: another reader than the simulated one (the PC/SC stack's, for instance).

    `frozen_time`: fixed wall clocks and no audit forwarding (queue ages), for snapshots.
    `camera`, `printer`, `outbox`: the citizen station's own (tests/tui/conftest.py), so both
    modes share the devices as in the real station; started and closed by their owner.
    `probe=False`: no first probe round (the owner's camera is not started yet, and a "camera
    down" audit record would sit in the citizen's outbox beside the case under test).
    """
    from offline_queue.catalog_bundle import generate_signing_keypair

    tmp.mkdir(parents=True, exist_ok=True)
    if outbox is None:
        _, public = generate_keypair()
        outbox = Outbox.open(tmp / "queue.sqlite3", Sealer(public, "platform-2026"))
    fixed = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    audit = AuditTrail(
        tmp / "audit.sqlite3", sink=None if frozen_time else outbox.enqueue, kiosk_id="GZ-HZ-0001",
        **({"now": lambda: fixed} if frozen_time else {}),
    )
    card = card if card is not None else SimulatedCardReader()
    if camera is None:
        camera = SimulatedCamera(width=320, height=240)
        camera.start()
    printer = printer if printer is not None else SimulatedPrinter()
    supervisor = Supervisor(
        probers_for(card, camera, printer), probe_timeout_s=2.0,
        **({"clock": lambda: fixed.timestamp()} if frozen_time else {}),
    )
    supervisor.add_listener(audit_device_changes(audit))
    clock = FakeClock()
    credentials = Credentials(hash_pin(PIN, CHEAP), [hash_badge_uid(BADGE_UID, CHEAP)])
    gate = TechnicianGate(credentials, clock=clock, on_event=audit_gate_events(audit))
    admin_private, admin_public = generate_signing_keypair()
    left: list[bool] = []
    export_dir = tmp / "usb"
    export_dir.mkdir()
    ops = TechnicianOps(
        gate=gate, supervisor=supervisor, audit=audit, outbox=outbox, card=card, camera=camera, printer=printer,
        station_id="GZ-HZ-0001", region=region, trusted_admin_keys={"gz-admin-2026": admin_public},
        export_dir=str(export_dir), leave=lambda: left.append(True),
        now=lambda: fixed,
    )
    if probe:
        supervisor.probe_once()
    return Rig(card, camera, printer, outbox, audit, supervisor, gate, clock, ops, left, admin_private, tmp)
