"""The supervisor unplugs and replugs each device, simulated and on its real stack, and
must see it degrade and then recover by itself (no restart, no one touching the station).

Real stacks here: the ESC/POS network backend against the virtual printer on loopback
(silent, refusing, paper out), and the PC/SC reader through a real pcscd + vpcd
(pcscd stopped, restarted), and the OpenCV camera reading an image file that disappears
and comes back.
"""

from __future__ import annotations

import time

import pytest

import cv2
import numpy as np

from devices.camera.opencv_camera import OpenCVCamera
from devices.camera.simulated import SimulatedCamera
from devices.card.samples import RESIDENT
from devices.card.simulated import SimulatedCardReader
from devices.printer.base import PaperState, PrinterState
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from kiosk.domain.catalog import Service
from kiosk.health.supervisor import CAMERA, CARD, PRINTER, DeviceState, Supervisor, probers_for
from tests.support.virtual_printer import VirtualPrinter
from tests.unit.tech.test_supervisor import PLAIN, WITH_DOCS


def states(sup: Supervisor) -> dict[str, str]:
    return {h.device: h.state.value for h in sup.all_health()}


def track(sup: Supervisor) -> list[tuple[str, str, str]]:
    changes: list[tuple[str, str, str]] = []
    sup.add_listener(lambda old, new: changes.append((new.device, old.state.value, new.state.value)))
    return changes


def test_simulated_reader_unplug_and_replug():
    """Bad input: the reader's USB cable pulled with a citizen's card on it, then put back."""
    reader = SimulatedCardReader()
    sup = Supervisor(probers_for(card=reader))
    changes = track(sup)
    reader.insert(RESIDENT)
    sup.probe_once()
    reader.unplug()
    sup.probe_once()
    assert states(sup) == {CARD: "down"} and not sup.can_identify() and not sup.available(PLAIN)
    assert "DeviceUnavailable" in sup.health(CARD).detail and RESIDENT.name not in sup.health(CARD).detail
    reader.plug()
    sup.probe_once()
    assert states(sup) == {CARD: "ok"} and sup.available(PLAIN)
    assert changes == [(CARD, "unknown", "ok"), (CARD, "ok", "down"), (CARD, "down", "ok")]


@pytest.mark.parametrize("fault", [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.OFFLINE])
def test_simulated_printer_fault_and_recovery(fault):
    """Bad input: paper out, cover open, printer switched off."""
    printer = SimulatedPrinter()
    sup = Supervisor(probers_for(printer=printer))
    sup.probe_once()
    printer.set_state(fault)
    sup.probe_once()
    assert states(sup) == {PRINTER: "down"} and sup.receipt_on_screen() and sup.available(WITH_DOCS)
    printer.set_state(PrinterState.PAPER_LOW)
    sup.probe_once()
    assert sup.health(PRINTER).state is DeviceState.DEGRADED and sup.health(PRINTER).paper is PaperState.LOW
    printer.set_state(PrinterState.OK)
    sup.probe_once()
    assert states(sup) == {PRINTER: "ok"} and not sup.receipt_on_screen()


@pytest.mark.realstack
def test_network_printer_goes_silent_then_answers_again():
    """Bad input: the printer accepts the connection but stops answering DLE EOT; then refuses connections."""
    with VirtualPrinter() as virtual:
        printer = EscposPrinter(PrinterSettings(backend="network", host=virtual.host, port=virtual.port,
                                                status_timeout_s=0.5, connect_timeout_s=1.0))
        sup = Supervisor(probers_for(printer=printer), probe_timeout_s=3.0)
        changes = track(sup)
        sup.probe_once()
        assert states(sup) == {PRINTER: "ok"}
        virtual.set_state(PrinterState.OFFLINE)
        started = time.monotonic()
        sup.probe_once()
        assert time.monotonic() - started < 3.0
        assert states(sup) == {PRINTER: "down"} and "offline" in sup.health(PRINTER).detail
        virtual.set_state(PrinterState.PAPER_OUT)
        sup.probe_once()
        assert states(sup) == {PRINTER: "down"} and sup.health(PRINTER).paper is PaperState.OUT
        virtual.set_state(PrinterState.OK)
        sup.probe_once()
        assert states(sup) == {PRINTER: "ok"}
        virtual.refuse()
        sup.probe_once()
        assert states(sup) == {PRINTER: "down"}
    # listeners also hear a paper change within "down" (offline -> paper out)
    assert changes == [(PRINTER, "unknown", "ok"), (PRINTER, "ok", "down"), (PRINTER, "down", "down"),
                       (PRINTER, "down", "ok"), (PRINTER, "ok", "down")]


@pytest.mark.realstack
def test_pcscd_stopped_and_restarted_is_seen_and_recovered():
    """Bad input: pcscd killed (as a crash or `systemctl stop pcscd` would), then started again."""
    from tests.integration.card_pcsc.stack import stack_or_skip

    stack = stack_or_skip()
    reader = stack.reader(timeout_s=2.0)
    sup = Supervisor(probers_for(card=reader), probe_timeout_s=4.0)
    try:
        sup.probe_once()
        assert states(sup) == {CARD: "ok"}, sup.health(CARD).detail
        stack.stop_pcscd()
        sup.probe_once()
        assert states(sup) == {CARD: "down"} and not sup.can_identify()
        stack.start()
        deadline = time.monotonic() + 10
        while states(sup) != {CARD: "ok"} and time.monotonic() < deadline:
            sup.probe_once()
            time.sleep(0.2)
        assert states(sup) == {CARD: "ok"}, sup.health(CARD).detail
    finally:
        if stack.proc is None:
            stack.start()
        reader.stop()
        sup.stop()


def test_service_policy_follows_recovery_for_a_real_catalog():
    """The demo catalog's services come back once the missing camera returns."""
    import json
    from pathlib import Path


    catalog = json.loads((Path(__file__).resolve().parents[3] / "kiosk" / "demo" / "catalog.json").read_text())
    services = [Service.model_validate(s) for s in catalog["services"]]
    camera = SimulatedCamera(width=320, height=240)
    camera.start()
    sup = Supervisor(probers_for(card=SimulatedCardReader(), camera=camera, printer=SimulatedPrinter()))
    sup.probe_once()
    assert len(sup.available_services(services)) == len(services)
    camera.unplug()
    sup.probe_once()
    offered = {s.code for s in sup.available_services(services)}
    assert offered == {s.code for s in services if not s.documents}
    camera.replug()
    sup.probe_once()
    assert len(sup.available_services(services)) == len(services)


def test_simulated_camera_unplug_and_replug():
    """Bad input: the camera's cable pulled, then put back."""
    camera = SimulatedCamera(width=320, height=240)
    camera.start()
    sup = Supervisor(probers_for(camera=camera))
    sup.probe_once()
    camera.unplug()
    sup.probe_once()
    assert states(sup) == {CAMERA: "down"} and not sup.available(WITH_DOCS) and sup.available(PLAIN)
    camera.replug()
    sup.probe_once()
    assert states(sup) == {CAMERA: "ok"} and sup.available(WITH_DOCS)


@pytest.mark.realstack
def test_opencv_camera_file_disappears_and_comes_back(tmp_path):
    """Bad input: the image file the camera reads is deleted (a source that vanishes), then restored."""
    source = tmp_path / "document.png"
    image = np.full((240, 320, 3), 200, np.uint8)
    assert cv2.imwrite(str(source), image)
    camera = OpenCVCamera(str(source), frame_timeout=1.0, max_backoff=0.2)
    camera.start()
    sup = Supervisor(probers_for(camera=camera), probe_timeout_s=2.0)
    changes = track(sup)
    try:
        deadline = time.monotonic() + 5
        while states(sup) != {CAMERA: "ok"} and time.monotonic() < deadline:
            sup.probe_once()
            time.sleep(0.05)
        assert states(sup) == {CAMERA: "ok"}, sup.health(CAMERA).detail
        source.unlink()
        deadline = time.monotonic() + 5
        while states(sup) != {CAMERA: "down"} and time.monotonic() < deadline:
            time.sleep(0.1)
            sup.probe_once()
        assert states(sup) == {CAMERA: "down"} and "CameraLost" in sup.health(CAMERA).detail
        assert not sup.available(WITH_DOCS)
        assert cv2.imwrite(str(source), image)
        deadline = time.monotonic() + 5
        while states(sup) != {CAMERA: "ok"} and time.monotonic() < deadline:
            time.sleep(0.1)
            sup.probe_once()
        assert states(sup) == {CAMERA: "ok"} and sup.available(WITH_DOCS)
    finally:
        camera.stop()
        sup.stop()
    assert [c[2] for c in changes] == ["ok", "down", "ok"]
