"""Pilot tests of technician mode: login (PIN, badge), lockout, idle expiry, every screen,
leave, and that no screen shows a citizen's data.

The host app below does what `KioskApp` does for technician mode (F12 opens it; card events
go to the technician screens while one is on top); tests/tui/tech/test_kiosk_entry.py runs the
same through the real citizen app.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static

from devices.card.samples import RESIDENT, TECHNICIAN_BADGE
from devices.printer.base import PrinterState
from kiosk.domain.i18n_text import Lang
from kiosk.ui.messages import CardChanged
from kiosk.ui.technician import is_technician_screen, open_technician_mode
from kiosk.ui.technician.base import ConfirmLeave
from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import CatalogScreen, DevicesScreen, EventsScreen, QueueScreen
from offline_queue.api import NewAttachment, NewSubmission
from offline_queue.catalog_bundle import sign_bundle
from tests.tui.tech.rig import PIN, build_rig
from tests.support.handcarry_reader import read_export

SIZE = (100, 30)
CITIZEN_STRINGS = (RESIDENT.name, RESIDENT.id_number, RESIDENT.address, RESIDENT.id_number[-4:] + "")


class Attract(Screen):
    def compose(self) -> ComposeResult:
        yield Static("attract", id="attract")


class Host(App[None]):
    BINDINGS = [("f12", "technician")]

    def __init__(self, rig) -> None:
        super().__init__()
        self.rig = rig

    def on_mount(self) -> None:
        self.push_screen(Attract())
        self.rig.card.start(lambda event: self.post_message(CardChanged(event)))

    def on_unmount(self) -> None:
        self.rig.card.stop()

    def on_card_changed(self, message: CardChanged) -> None:
        if not self.screen_stack:  # a card event still queued while the test app shuts down
            return
        if is_technician_screen(self.screen):
            self.screen.post_message(CardChanged(message.event))

    def action_technician(self) -> None:
        open_technician_mode(self, self.rig.ops, Lang.EN)


@pytest.fixture
def rig(tmp_path: Path):
    rig = build_rig(tmp_path)
    yield rig
    rig.close()


def screen_text(app: App) -> str:
    """Everything visible, as plain text (from the same SVG a snapshot would hold)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def assert_no_citizen_data(app: App) -> None:
    text = screen_text(app)
    for secret in (RESIDENT.name, RESIDENT.id_number, RESIDENT.address):
        assert secret not in text
    assert RESIDENT.id_number[:6] + RESIDENT.id_number[6:10] not in text


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


async def type_pin(pilot, pin: str) -> None:
    for digit in pin:
        await pilot.click(f"#key-{digit}")
    await pilot.click("#login-ok")


async def login(pilot, rig) -> None:
    await pilot.press("f12")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
    await type_pin(pilot, PIN)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DevicesScreen))


async def test_pin_login_opens_devices_and_is_audited(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        assert rig.gate.session is not None and rig.gate.session.who == "pin"
        assert_no_citizen_data(pilot.app)
    assert [r.action for r in rig.audit.recent()][:1] == ["login"]


async def test_badge_tap_logs_in(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        rig.card.insert(TECHNICIAN_BADGE)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DevicesScreen))
        assert rig.gate.session.who == "badge#1"


async def test_a_citizen_card_at_the_login_is_not_a_badge(rig):
    """Bad input: a citizen's ID card tapped at the technician login."""
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        rig.card.insert(RESIDENT)
        message = pilot.app.screen.query_one("#login-message", Static)
        await wait_for(pilot, lambda: "could not be read" in str(message.render()))
        assert isinstance(pilot.app.screen, TechnicianLoginScreen) and rig.gate.session is None
        assert_no_citizen_data(pilot.app)


async def test_lockout_after_five_wrong_pins_then_unlocks(rig):
    """Bad input: five wrong PINs, then the right one during the lockout."""
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        message = pilot.app.screen.query_one("#login-message", Static)
        for attempt in range(5):
            await type_pin(pilot, "111111")
            await wait_for(pilot, lambda: rig.gate.tries_left == 4 - attempt or rig.gate.locked_for() > 0)
            await pilot.pause(0.1)
        assert "Locked" in str(message.render()) and "5 min" in str(message.render())
        await type_pin(pilot, PIN)
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, TechnicianLoginScreen) and rig.gate.session is None
        rig.clock.now += 300
        await type_pin(pilot, PIN)
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DevicesScreen))
    actions = [r.action for r in reversed(rig.audit.recent())]
    assert actions.count("failed_login") == 5 and "lockout" in actions and actions[-1] == "login"
    assert actions.count("lockout_refused") == 1, "the try during the lockout: one record with a count"


async def test_a_missing_lockout_record_locks_and_says_why(rig, tmp_path):
    """Bad input: the lockout state file of a station that has run before was deleted."""
    from kiosk.technician.gate import TechnicianGate
    from kiosk.technician.lockout import LockoutFile
    from kiosk.technician.ops import GateSession

    gate = TechnicianGate(rig.gate._checker, clock=rig.clock, store=LockoutFile(tmp_path / "gone.json", new_station=False))
    rig.ops.gate, rig.ops.operator = gate, GateSession(gate)
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        await type_pin(pilot, PIN)
        message = pilot.app.screen.query_one("#login-message", Static)
        await wait_for(pilot, lambda: "record is missing" in str(message.render()))
        assert "5 min" in str(message.render()) and gate.session is None


async def test_cancel_returns_to_attract(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        await pilot.click("#login-cancel")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Attract))


async def test_idle_session_ends_and_returns_to_attract(rig):
    """Bad input: the technician walks away for ten minutes."""
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        rig.clock.now += 599
        await pilot.pause(1.2)
        assert isinstance(pilot.app.screen, DevicesScreen)
        rig.clock.now += 1
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Attract))
    assert rig.audit.recent(1)[0].action == "session_expired"


async def test_devices_screen_shows_states_and_runs_tests(rig):
    """Bad input: camera source vanishes and the printer runs out of paper while on screen."""
    rig.card.insert(RESIDENT)  # a citizen's card left on the reader
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        table = pilot.app.screen.query_one("#devices-table", DataTable)
        assert [str(table.get_row(d)[1]) for d in ("card", "camera", "printer")] == ["ok", "ok", "ok"]  # cells are Text
        rig.camera.unplug()
        rig.printer.set_state(PrinterState.PAPER_OUT)
        await pilot.click("#probe")
        await wait_for(pilot, lambda: str(table.get_row("camera")[1]) == "down")
        assert str(table.get_row("printer")[1]) == "down" and str(table.get_row("printer")[3]) == "out"
        result = pilot.app.screen.query_one("#result", Static)
        await pilot.click("#test-card")
        await wait_for(pilot, lambda: "read ok: resident_id" in str(result.render()))
        assert_no_citizen_data(pilot.app)
        await pilot.click("#test-camera")
        await wait_for(pilot, lambda: "CameraLost" in str(result.render()))
        rig.printer.set_state(PrinterState.OK)
        await pilot.click("#test-printer")
        await wait_for(pilot, lambda: "printed" in str(result.render()))
        assert "打印测试".encode("gb18030") in rig.printer.printed[-1]  # the one test page
        assert_no_citizen_data(pilot.app)
    tests = [r.detail for r in rig.audit.recent() if r.action == "device_test"]
    assert {t["device"] for t in tests} == {"card", "camera", "printer"}
    assert all(RESIDENT.name not in json.dumps(t, ensure_ascii=False) for t in tests)


def enqueue_citizen(rig, reason: str | None = None) -> str:
    enqueued = rig.outbox.enqueue(
        NewSubmission("RP-APPLY", 1, "GZHZ0001-20261123-0001-K",
                      {"name": RESIDENT.name, "id_number": RESIDENT.id_number},
                      (NewAttachment("id-front", b"\xff\xd8fake-jpeg-of-" + RESIDENT.id_number.encode()),))
    )
    if reason:  # call before anything else is queued: the oldest due record is this one
        record = rig.outbox.claim("test")
        assert record is not None and record.submission_id == enqueued.submission_id
        rig.outbox.quarantine(record, reason)
    return enqueued.submission_id


async def test_queue_screen_counts_retry_and_sealed_export(rig):
    """Bad input: a record the platform refused (quarantined, reason "conflict")."""
    citizens = {enqueue_citizen(rig, reason="conflict"), enqueue_citizen(rig)}
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-queue")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, QueueScreen))
        screen = pilot.app.screen
        table = screen.query_one("#queue-table", DataTable)
        counts = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert counts["quarantined"] == "1"
        assert "conflict: 1" in str(screen.query_one("#queue-reasons", Static).render())
        assert_no_citizen_data(pilot.app)
        await pilot.click("#retry")
        result = screen.query_one("#result", Static)
        await wait_for(pilot, lambda: "made due now" in str(result.render()))
        assert rig.outbox.counts().quarantined == 0
        await pilot.click("#export")
        await wait_for(pilot, lambda: "exported" in str(result.render()))
        assert_no_citizen_data(pilot.app)
    exports = list((rig.tmp / "usb").iterdir())
    assert len(exports) == 1
    carried = read_export(exports[0])  # the one hand-carry format, every hash checked
    assert carried.manifest["kiosk_id"] == "GZ-HZ-0001"
    queued = {r.submission_id: r.body("GZ-HZ-0001") for r in rig.outbox.undelivered()}
    assert citizens <= set(carried.bodies) and all(queued[sid] == body for sid, body in carried.bodies.items())  # exact PUT bytes
    for path in (p for p in exports[0].rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert RESIDENT.name.encode() not in data and RESIDENT.id_number.encode() not in data
    body = json.loads(next(iter(carried.bodies.values())))
    assert body["sealed"]["ciphertext"] and body["kiosk_id"] == "GZ-HZ-0001"
    assert [r.action for r in rig.audit.recent(2)] == ["export", "queue_retry"]


def signed_demo_bundle(rig, version: int, effective_from=None) -> dict:
    payload = json.loads((Path(__file__).resolve().parents[3] / "kiosk" / "demo" / "catalog.json").read_text())
    payload["version"] = version
    if effective_from is not None:
        payload["effective_from"] = effective_from.isoformat().replace("+00:00", "Z")
    return sign_bundle(payload, rig.admin_private_key, "gz-admin-2026")


async def test_catalog_screen_installs_signed_bundles_and_refuses_forgeries(rig):
    """Bad input: a bundle whose payload was altered after signing, and a file that is not JSON."""
    usb = rig.tmp / "usb"
    (usb / "catalog-v2.json").write_text(json.dumps(signed_demo_bundle(rig, 2)))
    forged = signed_demo_bundle(rig, 3)
    forged["signature"] = signed_demo_bundle(rig, 4)["signature"]
    (usb / "catalog-v3-forged.json").write_text(json.dumps(forged))
    (usb / "notes.json").write_text("not json {")
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-catalog")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CatalogScreen))
        screen = pilot.app.screen
        assert "none installed" in str(screen.query_one("#catalog-active", Static).render())
        await pilot.click("#install")
        result = screen.query_one("#result", Static)
        await wait_for(pilot, lambda: "catalog-v2.json" in str(result.render()))
        text = str(result.render())
        assert "catalog-v2.json: applied" in text
        assert "catalog-v3-forged.json: rejected:bad_signature" in text
        assert "notes.json: rejected:malformed" in text
        assert "version 2" in str(screen.query_one("#catalog-active", Static).render())
    installs = [r.detail for r in rig.audit.recent() if r.action == "catalog_install"]
    assert sorted(i["outcome"] for i in installs) == ["applied", "rejected:bad_signature", "rejected:malformed"]


async def test_events_screen_lists_audit_records(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-events")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, EventsScreen))
        table = pilot.app.screen.query_one("#events-table", DataTable)
        assert table.row_count >= 1 and str(table.get_row_at(0)[3]) == "login"


async def test_logout_returns_to_attract(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-logout")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Attract))
        assert rig.gate.session is None


async def test_leave_kiosk_mode_asks_then_exits_and_records(rig):
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-leave")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmLeave))
        await pilot.click("#leave-no")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DevicesScreen))
        await pilot.click("#nav-leave")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmLeave))
        await pilot.click("#leave-yes")
        await pilot.pause(0.2)
    assert pilot.app.return_code == 64  # the systemd units' RestartPreventExitStatus
    assert rig.left == [True] and rig.audit.recent(1)[0].action == "logout"
    assert [r.action for r in rig.audit.recent(2)] == ["logout", "leave_kiosk"]


async def test_idle_expiry_with_the_leave_dialog_open_closes_everything(rig):
    """Bad input: the technician opens "leave kiosk mode" and walks away without answering."""
    async with Host(rig).run_test(size=SIZE) as pilot:
        await login(pilot, rig)
        await pilot.click("#nav-leave")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmLeave))
        rig.clock.now += 600
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Attract))
    assert rig.left == []


def test_operations_refuse_without_a_session(rig):
    """Bad input: a screen left behind calls the tools after the session ended."""
    from kiosk.technician.ops import NotLoggedIn

    for action in (rig.ops.devices, rig.ops.test_printer, rig.ops.retry_all, rig.ops.queue_counts,
                   rig.ops.catalog_view, rig.ops.recent_events, lambda: rig.ops.export_sealed(rig.tmp / "usb")):
        with pytest.raises(NotLoggedIn):
            action()
    assert rig.printer.printed == [] and list((rig.tmp / "usb").iterdir()) == []


def test_bundles_install_by_version_not_by_file_name(rig):
    """Bad input: "v10" sorts before "v9" by name; a future bundle beside a current one."""
    import datetime as dt

    rig.gate.login_pin(PIN)
    usb = rig.tmp / "usb"
    future = signed_demo_bundle(rig, 10, effective_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    (usb / "catalog-v10.json").write_text(json.dumps(future))
    (usb / "catalog-v9.json").write_text(json.dumps(signed_demo_bundle(rig, 9)))
    results = rig.ops.install_bundles(usb)
    assert [(r.file, r.outcome) for r in results] == [("catalog-v9.json", "applied"), ("catalog-v10.json", "staged")]
    view = rig.ops.catalog_view()
    assert (view.active_version, view.staged_version) == (9, 10) and view.staged_effective_from.startswith("2027-01-01")


def test_two_exports_in_one_second_do_not_collide(rig):
    rig.gate.login_pin(PIN)
    first = rig.ops.export_sealed(rig.tmp / "usb")[1]
    second = rig.ops.export_sealed(rig.tmp / "usb")[1]
    assert first != second and second.name.endswith("-2")
