"""Whole citizen sessions driven with the mouse, against a real SQLite outbox."""

from __future__ import annotations

import pytest

from devices.errors import CardRemoved, PaperOut
from devices.printer.base import PrinterState
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt_number import verify_receipt_number
from kiosk.health.settings import PolicySettings
from kiosk.health.supervisor import Supervisor, probers_for
from kiosk.station import STATION_SIZE
from devices.card.samples import RESIDENT, TECHNICIAN_BADGE
from tests.tui.conftest import click, consent_and_submit, fill_endorsement_up_to_capture, visible_text, wait_for
from tests.tui.screens import show


async def test_a_whole_session_with_the_mouse(rig_factory):
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-zh-Hans")
        assert app.step is Step.IDENTIFY
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        shown = visible_text(app)
        assert "张*" in shown and "4401**********" in shown
        assert RESIDENT.name not in shown and RESIDENT.id_number not in shown
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
        await consent_and_submit(pilot)
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


async def test_print_failure_keeps_the_number_on_screen_and_never_prints_later(rig_factory):
    """Bad input: the printer runs out of paper for the receipt."""
    rig = rig_factory()
    rig.printer.fail_next = PaperOut("paper out")
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.DONE, Lang.EN)
        await wait_for(pilot, lambda: app.screen.query_one("#reprint").display)
        shown = visible_text(app)
        assert app.receipt.receipt_number in shown and "out of paper" in shown
        await pilot.pause(0.3)
        assert rig.printer.printed == [], "nothing printed after the failure"
        await click(pilot, "#reprint")  # same citizen, same screen: a reprint is allowed
        await wait_for(pilot, lambda: len(rig.printer.printed) == 1)
        await click(pilot, "#finish")
        assert app.step is Step.ATTRACT and app.receipt is None
    assert len(rig.printer.printed) == 1


async def test_a_full_queue_is_said_plainly_and_nothing_is_kept(rig_factory):
    """Bad input: the outbox refuses the submission (free-disk floor reached)."""
    rig = rig_factory()
    rig.outbox.min_free_bytes = 1 << 62  # the real store's own refusal
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.SUBMIT, Lang.EN)
        await wait_for(pilot, lambda: app.screen.query_one("#finish").display)
        assert "cannot take new applications" in visible_text(app)
        assert app.session.identity is None and app.session.pages == {}
        assert rig.printer.printed == []
    assert rig.queued() == []


async def test_a_session_with_a_document_capture(rig_factory):
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await fill_endorsement_up_to_capture(pilot, "#lang-en")
        guidance = app.screen.query_one("#guidance")
        await wait_for(pilot, lambda: "Lay the document" in str(guidance.content))
        await click(pilot, "#demo-place")
        await wait_for(pilot, lambda: app.screen.query_one("#use").display, timeout=10)
        await click(pilot, "#use")
        assert app.step is Step.REVIEW
        await consent_and_submit(pilot)
        await wait_for(pilot, lambda: len(rig.printer.printed) == 1)

    [(record, payload, attachments)] = rig.queued()
    assert payload["form"] == {
        "name": RESIDENT.name, "id_number": RESIDENT.id_number, "destination": "hk",
        "kind": "family", "phone": "13800138000",
    }  # fmt: skip
    [jpeg] = attachments.values()
    assert list(attachments) == ["permit-1"] and jpeg[:2] == b"\xff\xd8"
    assert payload["documents"][0]["kind"] == "id1"


async def test_placing_a_card_on_the_attract_screen_starts_a_session(rig_factory):
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.pause()
        rig.reader.insert(RESIDENT)
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        assert app.session.identity is RESIDENT


async def test_a_failed_read_says_what_to_do_and_a_second_try_works(rig_factory):
    """Bad input: the card leaves the reader in the middle of the read."""
    rig = rig_factory()
    rig.reader.fail_next = CardRemoved("card removed during the read")
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        await click(pilot, "#sample-resident")
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: status.has_class("-error"))
        assert "place it again" in str(status.content)
        assert app.step is Step.IDENTIFY and app.session.identity is None
        await pilot.pause(0.3)  # a Button ignores taps during its 0.2 s pressed flash
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)


async def test_a_whole_session_with_the_keyboard(rig_factory):
    rig = rig_factory()
    app = rig.app()

    async def tab_to(widget_id: str) -> None:
        for _ in range(30):
            if app.screen.focused is not None and app.screen.focused.id == widget_id:
                return
            await pilot.press("tab")
        raise AssertionError(f"{widget_id} never got the focus")

    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.press("enter")  # 简体中文 has the focus
        assert app.step is Step.IDENTIFY
        rig.reader.insert(RESIDENT)  # the card itself is not a key
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        await pilot.press("enter")
        assert app.step is Step.CHOOSE
        await tab_to("service-TAX-CERT")
        await pilot.press("enter")
        assert app.step is Step.FORM
        await tab_to("choice-year-0")
        await pilot.press("enter")
        await tab_to("next")
        await pilot.press("enter")
        assert app.step is Step.REVIEW
        await pilot.press("space")  # the consent box has the focus
        await tab_to("submit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.step is Step.DONE)
        await wait_for(pilot, lambda: len(rig.printer.printed) == 1)
        await pilot.press("enter")  # "finish" has the focus
        assert app.step is Step.ATTRACT
    [(record, payload, _)] = rig.queued()
    assert payload["form"]["year"] == "2025"


async def test_attract_screen_learns_when_the_printer_goes_down(rig_factory):
    down: set[str] = set()
    rig = rig_factory(unavailable=lambda: frozenset(down))
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        line = app.screen.query_one("#unavailable")
        assert str(line.content) == ""
        down.add("printer")
        await wait_for(pilot, lambda: "回执打印" in str(line.content), timeout=4)


@pytest.mark.parametrize(("paper_low_policy", "shown"), [("block", True), ("warn", False)])
async def test_attract_screen_under_the_paper_low_policy(rig_factory, paper_low_policy, shown):
    """Bad input: paper near its end; "block" makes the real supervisor report the printer
    unavailable as paper out does (under printer_down = refuse), "warn" keeps serving."""
    rig = rig_factory(unavailable=lambda: supervisor.unavailable_kinds())
    supervisor = Supervisor(
        probers_for(printer=rig.printer), policy=PolicySettings(printer_down="refuse"), paper_low_policy=paper_low_policy
    )
    rig.printer.set_state(PrinterState.PAPER_LOW)
    supervisor.probe_once()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one("#unavailable").content)
        assert ("回执打印" in line) is shown
        rig.printer.set_state(PrinterState.OK)  # a new roll
        supervisor.probe_once()
        await wait_for(pilot, lambda: str(app.screen.query_one("#unavailable").content) == "", timeout=4)


async def test_a_technician_badge_is_not_an_identity(rig_factory):
    """Bad input: a technician's badge placed on the reader during a citizen's identify step."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        rig.reader.insert(TECHNICIAN_BADGE)
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: status.has_class("-error"))
        assert "cannot be used here" in str(status.content) and app.session.identity is None


async def test_identify_says_when_the_reader_is_known_to_be_down(rig_factory):
    """Bad input: the supervisor reports the card reader down when a citizen starts."""
    app = rig_factory(unavailable=frozenset({"card"})).app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        status = app.screen.query_one("#status")
        assert status.has_class("-error") and "help line" in str(status.content)
