"""A station on simulated devices and a real SQLite outbox in a temporary directory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from devices.camera.simulated import SimulatedCamera
from devices.camera.tracker import CaptureTracker
from devices.card.base import Identity
from devices.card.samples import SAMPLES
from devices.card.simulated import SimulatedCardReader
from devices.printer.simulated import SimulatedPrinter
from kiosk.domain.flow import Step
from kiosk.station import (
    DailyReceiptNumbers,
    SessionSettings,
    Station,
    StationInfo,
)
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.demo.controls import DemoCards, DemoDocuments
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.mrz import MrzScreen
from tests.tui.tech.rig import build_rig as build_tech_rig
from tests.tui.tech.rig import Rig as TechRig
from offline_queue.sealing import Opener, Sealer, generate_keypair
from offline_queue.outbox import Outbox
from offline_queue.records import Record

@dataclass
class Rig:
    """The station under test and the handles a test scripts and inspects."""

    station: Station
    reader: SimulatedCardReader
    camera: SimulatedCamera
    printer: SimulatedPrinter
    outbox: Outbox
    opener: Opener
    technician: TechRig  # the station's technician mode: gate (PIN 246810), audit trail, tools

    def app(self) -> KioskApp:
        return KioskApp(self.station)

    def queued(self) -> list[tuple[Record, dict, dict[str, bytes]]]:
        """Each queued record with its payload and attachments opened, as the platform would."""
        return [
            (
                record,
                json.loads(self.opener.open(record.sealed_payload)),
                {a.role: self.opener.open(self.outbox.attachment_data(record, a.sha256)) for a in record.attachments},
            )
            for record in self.outbox.undelivered()
        ]


@pytest.fixture
def rig_factory(tmp_path: Path) -> Callable[..., Rig]:
    opened: list[Outbox] = []
    technicians: list[TechRig] = []

    def make(*, session: SessionSettings | None = None, unavailable=frozenset(), **station) -> Rig:
        """`unavailable`: the device kinds down, or a callable giving them."""
        reader = SimulatedCardReader()
        camera = SimulatedCamera(width=960, height=540, fps=15.0)
        printer = SimulatedPrinter()
        private, public = generate_keypair()
        outbox = Outbox.open(tmp_path / f"queue-{len(opened)}.db", Sealer(public, "test-key"))
        opened.append(outbox)
        samples = {k: v for k, v in SAMPLES.items() if isinstance(v, Identity)}
        catalog = load_demo_catalog()
        tech = build_tech_rig(
            tmp_path / f"tech-{len(opened)}", card=reader, camera=camera, printer=printer, outbox=outbox, probe=False
        )
        technicians.append(tech)
        built = Station(
            card=reader,
            camera=camera,
            new_tracker=lambda kind: CaptureTracker(kind, steady_frames=3, fps=15.0),
            printer=printer,
            outbox=outbox,
            catalog=lambda: catalog,
            info=StationInfo(
                station_id="GZ-HZ-0001",
                name="海珠区无人值守政务服务驿站",
                address="广州市海珠区示例路1号",
                hotline="12345",
                status_url_base="https://zwfw.example.gov.cn/s/",
            ),
            technician=tech.ops,
            next_receipt_number=DailyReceiptNumbers(outbox, "GZ-HZ-0001"),
            session=session or SessionSettings(),
            unavailable=unavailable if callable(unavailable) else (lambda: unavailable),
            demo=DemoCards(samples=samples, insert=reader.insert, remove=reader.remove),
            demo_documents=DemoDocuments(place=camera.place, remove=camera.remove),
        )
        if station:
            built = replace(built, **station)
        return Rig(built, reader, camera, printer, outbox, Opener(private), tech)

    yield make
    for tech in technicians:
        tech.close()
    for outbox in opened:
        outbox.close()


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until `condition()` holds (workers and device threads finish)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


async def click(pilot, selector: str) -> None:
    """Tap a widget as a finger would: bring it into view, then click it."""
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(selector), f"{selector} was not clickable"
    await pilot.pause()


async def fill_endorsement_up_to_capture(pilot, lang_button: str) -> None:
    """Tap through a resident's HK/Macao endorsement up to its capture step, as a citizen does."""
    app = pilot.app
    await click(pilot, lang_button)
    await click(pilot, "#sample-resident")
    await wait_for(pilot, lambda: app.step is Step.CONFIRM)
    await click(pilot, "#yes")
    await click(pilot, "#service-HKMO-ENDORSE")
    await click(pilot, "#choice-destination-0")
    await click(pilot, "#choice-kind-2")
    await enter_on_keypad(pilot, "phone", "13800138000")
    await click(pilot, "#next")
    await wait_for(pilot, lambda: app.step is Step.CAPTURE)


async def enter_on_keypad(pilot, field_id: str, keys: str) -> None:
    """On the form: open a field's keypad dialog, tap `keys`, then OK."""
    await click(pilot, f"#edit-{field_id}")
    for key in keys:
        await click(pilot, f"#key-{key}")
    await click(pilot, "#ok")


async def consent_and_submit(pilot) -> None:
    """On the review step: tick the consent, submit, and wait until the done step shows."""
    await click(pilot, "#consent")
    await click(pilot, "#submit")
    await wait_for(pilot, lambda: pilot.app.step is Step.DONE)


def mrz_dialog_shown(app) -> bool:
    """The MRZ dialog is on top and composed (pushing it does not mount its widgets at once)."""
    return isinstance(app.screen, MrzScreen) and bool(app.screen.query("#read"))


def visible_text(app) -> str:
    """The text of every Static and Button on the current screen."""
    from textual.widgets import Button, Static

    screen = app.screen
    return "\n".join([str(w.content) for w in screen.query(Static)] + [str(b.label) for b in screen.query(Button)])
