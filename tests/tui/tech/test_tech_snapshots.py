"""Technician screens at the station's size (pytest-textual-snapshot), in every language.

Update after an intended change with `pytest tests/tui/tech --snapshot-update`, then look
at the SVGs in `__snapshots__/` before committing them. Clocks are frozen (build_rig's
`frozen_time`) so times and ages are the same on every run.
"""

from __future__ import annotations

import pytest

from devices.printer.base import PrinterState
from kiosk.domain.i18n_text import Lang
from kiosk.station import STATION_SIZE
from kiosk.ui.technician import open_technician_mode
from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import SCREENS
from tests.tui.tech.rig import PIN, build_rig
from tests.tui.tech.test_technician_mode import Host, type_pin, wait_for

LANGS = pytest.mark.parametrize("lang", list(Lang), ids=[lang.value for lang in Lang])


class LangHost(Host):
    def __init__(self, rig, lang: Lang) -> None:
        super().__init__(rig)
        self.lang = lang

    def action_technician(self) -> None:
        open_technician_mode(self, self.rig.ops, self.lang)


@pytest.fixture
def rig(tmp_path):
    rig = build_rig(tmp_path, frozen_time=True)
    yield rig
    rig.close()


@LANGS
def test_login_after_a_wrong_pin(snap_compare, rig, lang):
    async def run_before(pilot):
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        await type_pin(pilot, "111111")
        await wait_for(pilot, lambda: rig.gate.tries_left == 4)
        await pilot.pause(0.4)

    assert snap_compare(LangHost(rig, lang), terminal_size=STATION_SIZE, run_before=run_before)


@LANGS
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, rig, name, lang):
    rig.printer.set_state(PrinterState.PAPER_LOW)
    rig.supervisor.probe_once()
    rig.ops.export_dir = "/media/kiosk-usb"  # not the test's temp dir: the same on every run

    async def run_before(pilot):
        rig.gate.login_pin(PIN)
        pilot.app.push_screen(SCREENS[name](rig.ops, lang))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SCREENS[name]))
        await pilot.pause(0.3)

    assert snap_compare(LangHost(rig, lang), terminal_size=STATION_SIZE, run_before=run_before)
