"""Technician mode through the real citizen app: a citizen's session first, then F12.

No technician screen may show the citizen's name or ID number (whole or masked), and the
citizen session must be wiped before technician mode opens.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.card.samples import RESIDENT, TECHNICIAN_BADGE
from kiosk.domain.flow import Step
from kiosk.domain.masking import mask_id_number, mask_name
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.station import SessionSettings, Station, StationInfo
from kiosk.ui.app import KioskApp
from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import SCREENS, DevicesScreen
from tests.tui.tech.rig import build_rig
from tests.tui.tech.test_technician_mode import SIZE, screen_text, type_pin, wait_for
from tests.tui.tech.rig import PIN

CITIZEN = (RESIDENT.name, RESIDENT.id_number, mask_name(RESIDENT.name), mask_id_number(RESIDENT.id_number),
           RESIDENT.address)


@pytest.fixture
def rig(tmp_path: Path):
    rig = build_rig(tmp_path)
    yield rig
    rig.close()


def station(rig) -> Station:
    return Station(
        card=rig.card, camera=rig.camera, printer=rig.printer, outbox=rig.outbox,
        catalog=load_demo_catalog,
        info=StationInfo("GZ-HZ-0001", "海珠区测试驿站", "广州市海珠区测试路1号", "12345", "https://example.invalid/s/"),
        next_receipt_number=lambda: "GZHZ0001-20261123-0001-K",
        session=SessionSettings(), technician=rig.ops, unavailable=rig.supervisor.unavailable_kinds,
    )


def assert_clean(app) -> None:
    text = screen_text(app)
    leaked = [s for s in CITIZEN if s in text]
    assert not leaked, f"{type(app.screen).__name__} shows citizen data"


async def start_citizen_session(pilot, rig) -> None:
    rig.card.insert(RESIDENT)
    await wait_for(pilot, lambda: pilot.app.step is Step.CONFIRM)
    await pilot.pause(0.2)
    assert mask_name(RESIDENT.name) in screen_text(pilot.app)  # the test can see citizen data at all


async def test_no_technician_screen_shows_the_previous_citizen(rig):
    app = KioskApp(station(rig))
    async with app.run_test(size=SIZE) as pilot:
        await start_citizen_session(pilot, rig)
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, TechnicianLoginScreen))
        assert app.session.identity is None and app.step is Step.ATTRACT
        assert_clean(app)
        await type_pin(pilot, PIN)
        await wait_for(pilot, lambda: isinstance(app.screen, DevicesScreen))
        for name in ("devices", "queue", "catalog", "events"):
            if name != "devices":
                await pilot.click(f"#nav-{name}")
                await wait_for(pilot, lambda: isinstance(app.screen, SCREENS[name]))
            await pilot.pause(0.2)
            assert_clean(app)
        await pilot.click("#nav-devices")
        await wait_for(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.click("#test-card")  # the citizen's card is still on the reader
        await wait_for(pilot, lambda: "read ok" in screen_text(app))
        assert_clean(app)
        await pilot.click("#nav-logout")
        await wait_for(pilot, lambda: app.step is Step.ATTRACT and not isinstance(app.screen, DevicesScreen))
        assert_clean(app)


async def test_badge_tap_in_the_citizen_app_opens_technician_mode_not_a_session(rig):
    """Bad input: a badge on the reader while the login waits must not start a citizen read."""
    app = KioskApp(station(rig))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, TechnicianLoginScreen))
        rig.card.insert(TECHNICIAN_BADGE)
        await wait_for(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert app.step is Step.ATTRACT and "read_identity" not in rig.card.calls


async def test_the_app_tells_systemd_it_is_ready_and_pings_the_watchdog(rig, tmp_path):
    """A real unix datagram socket stands where systemd's notify socket would be."""
    import dataclasses
    import os
    import socket
    import tempfile

    from kiosk.health.systemd import SdNotifier

    directory = tempfile.mkdtemp(prefix="sdn")
    path = os.path.join(directory, "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(3)
        notifier = SdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
        app = KioskApp(dataclasses.replace(station(rig), systemd=notifier))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            got = []
            sock.setblocking(False)
            while True:
                try:
                    got.append(sock.recv(100))
                except BlockingIOError:
                    break
    os.unlink(path)
    os.rmdir(directory)
    assert got[0] == b"READY=1\nSTATUS=serving" and b"WATCHDOG=1" in got[1:]
