"""The station probes its devices each time it becomes idle (DESIGN: printer status before a session)."""

from __future__ import annotations

import threading

from kiosk.domain.flow import Step
from kiosk.station import STATION_SIZE
from tests.tui.conftest import click, wait_for


async def test_ending_a_session_probes_the_devices_off_the_event_loop(rig_factory):
    calls: list[str] = []

    def check() -> None:
        calls.append(threading.current_thread().name)

    rig = rig_factory(check_devices=check)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        await wait_for(pilot, lambda: app.step is Step.IDENTIFY)
        assert calls == []
        await click(pilot, "#back")  # cancel: the session ends, the station is idle again
        await wait_for(pilot, lambda: app.step is Step.ATTRACT and len(calls) == 1)
    assert calls[0] != threading.main_thread().name
