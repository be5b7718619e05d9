"""A station whose sync daemon has not yet installed any signed catalog."""

from __future__ import annotations

from kiosk.domain.flow import Step
from kiosk.station import STATION_SIZE
from tests.tui.conftest import click, visible_text, wait_for


async def test_no_catalog_offers_nothing_and_says_so(rig_factory):
    """Bad input: no catalog at all (fresh station, platform never reached)."""
    rig = rig_factory(catalog=lambda: None)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        await click(pilot, "#yes")
        await wait_for(pilot, lambda: app.step is Step.CHOOSE)
        assert "No services can be offered right now" in visible_text(app)
        assert not app.screen.query(".service")
