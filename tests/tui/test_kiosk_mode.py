"""Kiosk mode: escape keys do nothing; only technician mode (badge or PIN, with lockout) leaves; idleness wipes."""

from __future__ import annotations

import pytest

from devices.card.samples import RESIDENT
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.station import STATION_SIZE, SessionSettings
from kiosk.technician.ops import LEFT_KIOSK_EXIT_CODE
from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import DevicesScreen
from kiosk.ui.technician.base import ConfirmLeave
from tests.tui.conftest import wait_for
from tests.tui.tech.rig import PIN
from tests.tui.screens import show


@pytest.mark.parametrize("key", ["ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+d", "ctrl+p", "escape"])
async def test_escape_keys_do_nothing(rig_factory, key):
    """Bad input: the keys that quit, suspend or open the command palette in a Textual app."""
    app = rig_factory().app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.FORM, Lang.ZH_HANS)
        screen = app.screen
        await pilot.press(key)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen is screen, "no dialog, palette or other screen opened"
        assert app.session.identity is RESIDENT, "the session goes on"


async def test_quit_action_opens_the_technician_login(rig_factory):
    """Bad input: something calls the app's quit action directly."""
    app = rig_factory().app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await app.run_action("quit")
        await pilot.pause()
        assert isinstance(app.screen, TechnicianLoginScreen) and app.is_running


async def test_wrong_pin_keeps_the_station_running_and_the_right_one_leads_out(rig_factory):
    """Bad input: a wrong PIN typed on the login's keypad. The one way out is the technician's
    "leave kiosk mode", with the gate's lockout and the audit trail (there is no other PIN path)."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        for _ in range(5):  # five taps on the station's name: the touch-only way in
            await pilot.click(".station-name")
        await wait_for(pilot, lambda: isinstance(app.screen, TechnicianLoginScreen))
        for digit in "999999":
            await pilot.click(f"#key-{digit}")
        await pilot.click("#login-ok")
        await wait_for(pilot, lambda: rig.technician.gate.tries_left == 4)
        assert isinstance(app.screen, TechnicianLoginScreen) and app.is_running
        for digit in PIN:
            await pilot.click(f"#key-{digit}")
        await pilot.click("#login-ok")
        await wait_for(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.click("#nav-leave")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLeave))
        await pilot.click("#leave-yes")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == LEFT_KIOSK_EXIT_CODE
    actions = [record.action for record in rig.technician.audit.recent(5)]
    assert "failed_login" in actions and "leave_kiosk" in actions


async def test_cancel_closes_the_technician_login(rig_factory):
    app = rig_factory().app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, TechnicianLoginScreen)
        await pilot.click("#login-cancel")
        await pilot.pause()
        assert app.step is Step.ATTRACT and not isinstance(app.screen, TechnicianLoginScreen)


async def test_idle_timeout_warns_then_wipes_everything(rig_factory):
    rig = rig_factory(session=SessionSettings(idle_timeout_s=0.6, warning_s=1.0))
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.REVIEW, Lang.EN)
        page = app.session.pages["permit-1"]
        image = page.jpeg
        banner = app.screen.query_one("IdleBanner")
        await wait_for(pilot, lambda: banner.has_class("-shown"), timeout=3)
        assert "Tap to continue" in str(banner.render())
        await wait_for(pilot, lambda: app.step is Step.ATTRACT, timeout=3)
        session = app.session
        assert session.identity is None and session.service is None
        assert session.form == {} and session.pages == {}
        assert image == bytearray(len(image)), "the captured image's buffer was overwritten"
        assert session.lang is Lang.ZH_HANS


async def test_a_touch_resets_the_idle_countdown(rig_factory):
    rig = rig_factory(session=SessionSettings(idle_timeout_s=0.6, warning_s=1.0))
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.CHOOSE, Lang.ZH_HANS)
        banner = app.screen.query_one("IdleBanner")
        await wait_for(pilot, lambda: banner.has_class("-shown"), timeout=3)
        await pilot.click("#title")
        await wait_for(pilot, lambda: not banner.has_class("-shown"), timeout=2)
        assert app.step is Step.CHOOSE and app.session.identity is RESIDENT


async def test_removing_the_card_ends_the_session_when_configured(rig_factory):
    rig = rig_factory(session=SessionSettings(end_on_card_removal=True))
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.click("#lang-en")
        await pilot.click("#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        rig.reader.remove()
        await wait_for(pilot, lambda: app.step is Step.ATTRACT)
        assert app.session.identity is None


async def test_removing_the_card_is_harmless_when_not_configured(rig_factory):
    rig = rig_factory(session=SessionSettings(end_on_card_removal=False))
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.click("#lang-en")
        await pilot.click("#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        rig.reader.remove()
        await pilot.pause(0.3)
        assert app.step is Step.CONFIRM and app.session.identity is RESIDENT


async def test_technician_mode_wipes_the_citizen_session_first(rig_factory):
    app = rig_factory().app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.CHOOSE, Lang.ZH_HANS)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, TechnicianLoginScreen)
        assert app.session.identity is None, "the citizen's session was wiped first"


async def test_a_dead_card_reader_does_not_keep_the_camera_from_starting(rig_factory):
    """Bad input: the card reader is unplugged when the station starts."""
    from devices.errors import DeviceUnavailable

    rig = rig_factory()

    # The simulated reader's start() never fails (unplug() only affects reads), so its
    # start is replaced by what a real backend does when its port or pcscd is missing.
    def unplugged(listener):
        raise DeviceUnavailable("card reader is not connected")

    rig.reader.start = unplugged
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await wait_for(pilot, lambda: rig.camera.latest() is not None)
        assert app.is_running and app.step is Step.ATTRACT
