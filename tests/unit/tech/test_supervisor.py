"""Device supervisor: states, policy, degrade-then-recover, hung probes, listeners, metrics.

These use tiny in-test devices for the policy arithmetic; the same scenarios run against the
simulated and real-stack backends in tests/integration/tech/.
"""

from __future__ import annotations

import threading
import time

import pytest

from devices.errors import DeviceUnavailable, PrinterOffline
from devices.printer.base import PaperState, PrinterState, PrinterStatus
from kiosk.domain.catalog import Service
from kiosk.health.settings import PolicySettings
from kiosk.health.supervisor import CAMERA, CARD, PRINTER, DeviceState, Supervisor, probers_for


class Plug:
    """A reader/camera whose cable a test pulls (stands in for any Protocol backend)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.plugged = True

    def probe(self) -> str:
        if not self.plugged:
            raise DeviceUnavailable(f"{self.name} unplugged")
        return f"{self.name} ready"


class Printer:
    name = "printer"

    def __init__(self) -> None:
        self.next: PrinterStatus | Exception = PrinterStatus(PrinterState.OK)

    def status(self) -> PrinterStatus:
        if isinstance(self.next, Exception):
            raise self.next
        return self.next


def service(code: str, documents: bool = False, requires: tuple[str, ...] = ()) -> Service:
    text = {"zh-Hans": "服务"}
    data = {
        "code": code, "name": text, "description": text, "department": text,
        "cities": ["guangzhou"], "identity_documents": ["resident_id"],
        "promise": {"instant": True}, "requires": list(requires),
        "documents": [{"id": "page", "label": text, "kind": "a4"}] if documents else [],
    }
    return Service.model_validate(data)


PLAIN, WITH_DOCS, NEEDS_PRINT = service("PLAIN"), service("DOCS", documents=True), service("CERT", requires=("printer",))


@pytest.fixture
def rig():
    card, camera, printer = Plug("card"), Plug("camera"), Printer()
    supervisor = Supervisor(probers_for(card, camera, printer), probe_timeout_s=1.0)
    return card, camera, printer, supervisor


def test_all_ok_offers_everything(rig):
    *_, sup = rig
    sup.probe_once()
    assert {h.device: h.state for h in sup.all_health()} == {CARD: "ok", CAMERA: "ok", PRINTER: "ok"}
    assert all(sup.available(s) for s in (PLAIN, WITH_DOCS, NEEDS_PRINT))
    assert not sup.receipt_on_screen()


def test_unknown_before_first_probe_blocks_nothing(rig):
    *_, sup = rig
    assert sup.health(CARD).state is DeviceState.UNKNOWN and sup.available(WITH_DOCS)


def test_camera_unplugged_disables_only_document_services_then_recovers(rig):
    """Bad input: the camera disappears, then comes back."""
    _, camera, _, sup = rig
    camera.plugged = False
    sup.probe_once()
    assert sup.health(CAMERA).state is DeviceState.DOWN and "unplugged" in sup.health(CAMERA).detail
    assert sup.available(PLAIN) and not sup.available(WITH_DOCS)
    assert sup.missing_for(WITH_DOCS) == [CAMERA] and sup.unavailable_kinds() == {CAMERA}
    camera.plugged = True
    sup.probe_once()
    assert sup.available(WITH_DOCS) and sup.health(CAMERA).state is DeviceState.OK


def test_card_reader_down_disables_every_service(rig):
    """Bad input: the card reader is unplugged."""
    card, _, _, sup = rig
    card.plugged = False
    sup.probe_once()
    assert not sup.can_identify()
    assert not any(sup.available(s) for s in (PLAIN, WITH_DOCS, NEEDS_PRINT))
    card.plugged = True
    sup.probe_once()
    assert sup.can_identify() and sup.available(PLAIN)


def test_paper_low_is_degraded_but_usable(rig):
    """Bad input: the printer reports the paper near its end."""
    _, _, printer, sup = rig
    printer.next = PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)
    sup.probe_once()
    health = sup.health(PRINTER)
    assert health.state is DeviceState.DEGRADED and health.paper is PaperState.LOW
    assert sup.available(NEEDS_PRINT) and not sup.receipt_on_screen()
    assert sup.device_states()[PRINTER] == {"state": "degraded", "detail": "paper_low", "paper": "low"}


@pytest.mark.parametrize(
    "fault",
    [PrinterStatus(PrinterState.PAPER_OUT, PaperState.OUT), PrinterStatus(PrinterState.COVER_OPEN), PrinterOffline("no answer")],
)
def test_printer_down_with_screen_receipt_policy(rig, fault):
    """Bad input: paper out, cover open, or the printer not answering at all."""
    _, _, printer, sup = rig
    printer.next = fault
    sup.probe_once()
    assert sup.health(PRINTER).state is DeviceState.DOWN
    assert sup.available(PLAIN) and sup.available(WITH_DOCS) and sup.receipt_on_screen()
    assert sup.available(NEEDS_PRINT)  # "printer" in requires is the receipt: the screen stands in
    assert sup.unavailable_kinds() == frozenset()


def test_printer_down_with_refuse_policy():
    """Bad input: paper out under the "refuse" policy."""
    printer = Printer()
    sup = Supervisor(probers_for(Plug("card"), Plug("camera"), printer), policy=PolicySettings(printer_down="refuse"))
    printer.next = PrinterStatus(PrinterState.PAPER_OUT, PaperState.OUT)
    sup.probe_once()
    assert not sup.available(PLAIN) and not sup.available(NEEDS_PRINT)
    assert sup.unavailable_kinds() == {PRINTER}
    printer.next = PrinterStatus(PrinterState.OK)
    sup.probe_once()
    assert sup.available(PLAIN)


def test_listeners_hear_each_change_once(rig):
    _, camera, printer, sup = rig
    heard = []
    sup.add_listener(lambda old, new: heard.append((new.device, old.state.value, new.state.value)))
    sup.probe_once()
    camera.plugged = False
    sup.probe_once()
    sup.probe_once()  # still down: no news
    camera.plugged = True
    printer.next = PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)
    sup.probe_once()
    assert heard[3:] == [(CAMERA, "ok", "down"), (CAMERA, "down", "ok"), (PRINTER, "ok", "degraded")]


def test_a_failing_listener_does_not_stop_the_others(rig):
    """Bad input: a listener that raises."""
    *_, sup = rig
    heard = []
    sup.add_listener(lambda old, new: 1 / 0)
    sup.add_listener(lambda old, new: heard.append(new.device))
    sup.probe_once()
    assert sorted(heard) == [CAMERA, CARD, PRINTER]


def test_a_hung_probe_is_down_and_not_stacked():
    """Bad input: a driver call that never returns (until the test releases it)."""
    release = threading.Event()
    calls = []

    def hung():
        calls.append(1)
        release.wait(10)
        raise DeviceUnavailable("gone")

    sup = Supervisor({CARD: hung, CAMERA: lambda: probers_for(camera=Plug("camera"))[CAMERA]()}, probe_timeout_s=0.2)
    started = time.monotonic()
    sup.probe_once()
    assert time.monotonic() - started < 2
    assert sup.health(CARD).state is DeviceState.DOWN and "timed out" in sup.health(CARD).detail
    assert sup.health(CAMERA).state is DeviceState.OK
    sup.probe_once()
    assert "still hung" in sup.health(CARD).detail and len(calls) == 1
    release.set()


def test_a_prober_bug_is_down_not_a_crash():
    """Bad input: a prober raising something that is not a DeviceError."""
    sup = Supervisor({CARD: lambda: {}["boom"]})
    sup.probe_once()
    assert sup.health(CARD).state is DeviceState.DOWN and sup.health(CARD).detail == "probe failed: KeyError"


def test_healer_runs_when_down():
    """Bad input: the camera is down; the supervisor tries to reopen it."""
    camera = Plug("camera")
    camera.plugged = False
    reopen = []
    sup = Supervisor(probers_for(camera=camera), healers={CAMERA: lambda: (reopen.append(1), setattr(camera, "plugged", True))})
    sup.probe_once()
    assert reopen == [1] and sup.health(CAMERA).state is DeviceState.DOWN
    sup.probe_once()
    assert sup.health(CAMERA).state is DeviceState.OK and reopen == [1]


def test_timer_thread_probes_and_stops(rig):
    _, camera, _, _ = rig
    sup = Supervisor(probers_for(camera=camera), interval_s=0.05)
    rounds = threading.Semaphore(0)
    sup.after_each_round(rounds.release)
    sup.start()
    camera.plugged = False
    assert rounds.acquire(timeout=2) and rounds.acquire(timeout=2) and rounds.acquire(timeout=2)
    sup.stop()
    sup.stop()
    assert sup.health(CAMERA).state is DeviceState.DOWN


def test_gate_and_device_changes_reach_the_audit_trail(tmp_path, rig):
    """Bad input: a wrong PIN and a camera unplugged: both must be on record."""
    from kiosk.technician.gate import TechnicianGate
    from kiosk.bootstrap.technician import audit_device_changes, audit_gate_events
    from offline_queue.audit import AuditTrail, verify_database

    _, camera, _, sup = rig
    with AuditTrail(tmp_path / "audit.sqlite3") as trail:
        sup.add_listener(audit_device_changes(trail))
        sup.probe_once()  # unknown -> ok: not recorded
        camera.plugged = False
        sup.probe_once()

        class Nobody:
            def check_pin(self, pin):
                return None

            check_badge = check_pin

        TechnicianGate(Nobody(), on_event=audit_gate_events(trail)).login_pin("000000")
        actions = [(r.actor, r.action, r.detail) for r in reversed(trail.recent())]
    assert actions == [
        ("system", "device_state", {"device": "camera", "state": "down", "was": "ok"}),
        ("technician", "failed_login", {"method": "pin", "reason": "wrong", "tries": 1}),
    ]
    assert verify_database(tmp_path / "audit.sqlite3").ok


def test_doctor_lines(rig):
    """Bad input: paper low and the camera gone when the technician runs doctor."""
    _, camera, printer, sup = rig
    camera.plugged = False
    printer.next = PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)
    lines = {name: (ok, detail) for name, ok, detail in sup.doctor()}
    assert lines[CAMERA][0] is False and "unplugged" in lines[CAMERA][1]
    assert lines[PRINTER] == (True, "degraded: paper_low (paper low)")
    assert lines[CARD] == (True, "ok: card ready")


def test_build_gate_follows_the_settings(tmp_path):
    """Bad input: wrong PINs up to the configured max_tries (3)."""
    from kiosk.bootstrap.technician import build_gate
    from kiosk.technician.credentials import hash_pin
    from kiosk.technician.lockout import LockoutFile
    from kiosk.technician.settings import TechnicianSettings
    from offline_queue.audit import AuditTrail

    settings = TechnicianSettings(pin_hash=hash_pin("135790"), max_tries=3, lockout_minutes=1)  # the real profile: config refuses weaker
    with AuditTrail(tmp_path / "a.sqlite3") as trail:
        gate = build_gate(settings, trail, LockoutFile(tmp_path / "lockout.json", new_station=True))
        results = [gate.login_pin("000000") for _ in range(3)]
        assert results[-1].outcome == "locked" and results[-1].locked_for_s == 60
        assert [r.action for r in trail.recent(2)] == ["lockout", "failed_login"]


def _answers(sup: Supervisor) -> tuple:
    """Everything the station asks the supervisor about the printer."""
    return (
        sup.health(PRINTER).state,
        sup.receipt_on_screen(),
        sup.unavailable_kinds(),
        [sup.available(s) for s in (PLAIN, WITH_DOCS, NEEDS_PRINT)],
        [ok for device, ok, _ in sup.doctor() if device == PRINTER],
    )


@pytest.mark.parametrize("printer_down", ["allow_with_screen_receipt", "refuse"])
def test_paper_low_under_block_policy_is_treated_exactly_as_paper_out(printer_down):
    """Bad input: paper near its end with `paper_low_policy = "block"`, under either printer_down policy."""
    policy = PolicySettings(printer_down=printer_down)
    printer = Printer()
    sup = Supervisor(probers_for(Plug("card"), Plug("camera"), printer), policy=policy, paper_low_policy="block")
    printer.next = PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)
    sup.probe_once()
    low = _answers(sup)
    assert sup.health(PRINTER).paper is PaperState.LOW and "paper_low_policy = block" in sup.health(PRINTER).detail
    assert sup.device_states()[PRINTER]["state"] == "down"
    printer.next = PrinterStatus(PrinterState.PAPER_OUT, PaperState.OUT)
    sup.probe_once()
    assert low == _answers(sup)
    assert low[0] is DeviceState.DOWN and low[1] is True
    assert low[2] == (frozenset({PRINTER}) if printer_down == "refuse" else frozenset())
    printer.next = PrinterStatus(PrinterState.OK)  # a new roll
    sup.probe_once()
    assert sup.health(PRINTER).state is DeviceState.OK and not sup.receipt_on_screen()


def test_paper_low_under_the_default_warn_policy_stays_usable_even_when_printer_down_refuses():
    """Bad input: paper near its end with the default policy: degraded, still serving."""
    printer = Printer()
    sup = Supervisor(probers_for(Plug("card"), Plug("camera"), printer), policy=PolicySettings(printer_down="refuse"))
    printer.next = PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)
    sup.probe_once()
    assert sup.health(PRINTER).state is DeviceState.DEGRADED
    assert sup.available(NEEDS_PRINT) and not sup.receipt_on_screen() and sup.unavailable_kinds() == frozenset()


def test_block_policy_leaves_a_paper_low_card_reader_reading_alone():
    """Only the printer's paper counts: another device's degraded reading is not touched."""
    from kiosk.health.supervisor import Reading

    sup = Supervisor({CARD: lambda: Reading(DeviceState.DEGRADED, "odd", PaperState.LOW)}, paper_low_policy="block")
    sup.probe_once()
    assert sup.health(CARD).state is DeviceState.DEGRADED
