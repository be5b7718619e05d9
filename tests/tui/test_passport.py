"""The ICAO path: a passport's MRZ typed on the keypad, the chip read with it (mouse only)."""

from __future__ import annotations

from devices.card.samples import PASSPORT, PASSPORT_MRZ
from devices.errors import CardRemoved
from kiosk.domain.flow import Step
from kiosk.domain.masking import mask_id_number, mask_name
from kiosk.station import STATION_SIZE
from kiosk.ui.screens.mrz import MAX_TRIES, MrzScreen, entry_problem
from tests.tui.conftest import click, consent_and_submit, mrz_dialog_shown, visible_text, wait_for

MRZ = (PASSPORT_MRZ.document_number, PASSPORT_MRZ.birth_yymmdd, PASSPORT_MRZ.expiry_yymmdd)


async def type_field(pilot, field: str, value: str) -> None:
    """Open one field's keypad, clear what it holds, tap `value` in, press OK."""
    await click(pilot, f"#edit-{field}")
    await click(pilot, "#key-clear")
    for char in value:
        await click(pilot, f"#key-{char}")
    await click(pilot, "#ok")


async def type_mrz(pilot, number: str, birth: str, expiry: str) -> None:
    for field, value in (("number", number), ("birth", birth), ("expiry", expiry)):
        await type_field(pilot, field, value)


async def place_passport(pilot, rig, lang: str = "en") -> MrzScreen:
    """Start a session in `lang`, tap the passport sample; the MRZ dialog opens."""
    app = pilot.app
    await click(pilot, f"#lang-{lang}")
    await click(pilot, "#sample-passport")
    await wait_for(pilot, lambda: mrz_dialog_shown(app))
    return app.screen


def message(app) -> str:
    return str(app.screen.query_one("#mrz-message").content)


async def test_a_whole_passport_session(rig_factory):
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await place_passport(pilot, rig)
        assert app.step is Step.IDENTIFY and app.session.identity is None
        await type_mrz(pilot, *MRZ)
        await click(pilot, "#read")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        shown = visible_text(app)
        assert mask_name(PASSPORT.name) in shown and mask_id_number(PASSPORT.id_number, "passport") in shown
        assert "E1*****78" in shown, "a passport number keeps only its first two and last two (finding 4)"
        assert PASSPORT.id_number not in shown and PASSPORT_MRZ.birth_yymmdd not in shown
        await click(pilot, "#yes")
        await click(pilot, "#service-TAX-CERT")  # accepts passports
        assert app.step is Step.FORM
        await click(pilot, "#choice-year-1")
        await click(pilot, "#next")
        assert app.step is Step.REVIEW
        await consent_and_submit(pilot)
        assert app.session.identity is None, "personal data is wiped once queued"

    [(record, payload, attachments)] = rig.queued()
    assert record.service_code == "TAX-CERT"
    assert payload["identity"]["document_kind"] == "passport"
    assert payload["identity"]["id_number"] == PASSPORT.id_number
    assert payload["identity"]["birth_date"] == PASSPORT.birth_date.isoformat()
    assert payload["identity"]["valid_to"] == "2031-06-30"
    assert payload["form"]["name"] == PASSPORT.name and payload["form"]["year"] == "2024"
    assert attachments == {}
    assert rig.reader.calls.count("read_identity") == 2  # without the key, then with it


async def test_a_wrong_mrz_is_refused_then_corrected(rig_factory):
    """Bad input: an expiry date that is a date but not this passport's (BAC refused)."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        dialog = await place_passport(pilot, rig)
        await type_mrz(pilot, MRZ[0], MRZ[1], "300630")
        await click(pilot, "#read")
        await wait_for(pilot, lambda: "did not accept" in message(app))
        assert f"{MAX_TRIES - 1} tries left" in message(app)
        assert app.screen is dialog and app.session.identity is None
        await type_field(pilot, "expiry", MRZ[2])
        assert message(app) == "", "a corrected field clears the refusal"
        await click(pilot, "#read")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        assert app.session.identity == PASSPORT


async def test_fields_are_checked_before_the_chip_is_asked(rig_factory):
    """Bad input: an empty number, then a birth date that is no calendar date (Feb 30)."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await place_passport(pilot, rig)
        await click(pilot, "#read")
        assert "document number" in message(app)
        await type_mrz(pilot, MRZ[0], "790230", MRZ[2])
        await click(pilot, "#read")
        assert "Date of birth" in message(app)
        assert rig.reader.calls.count("read_identity") == 1, "nothing was read with a bad key"


def test_entry_problem():
    """Bad input: each field empty, too short, with letters, or not a calendar date."""
    assert entry_problem(*MRZ) is None
    assert entry_problem("", MRZ[1], MRZ[2]) == "mrz.error.number"
    assert entry_problem("E1234567<", MRZ[1], MRZ[2]) == "mrz.error.number"
    assert entry_problem(MRZ[0], "79110", MRZ[2]) == "mrz.error.birth"
    assert entry_problem(MRZ[0], "791305", MRZ[2]) == "mrz.error.birth"
    assert entry_problem(MRZ[0], MRZ[1], "31063A") == "mrz.error.expiry"
    assert entry_problem(MRZ[0], MRZ[1], "310631") == "mrz.error.expiry"
    assert entry_problem(MRZ[0], "000229", MRZ[2]) is None  # 2000 was a leap year


async def test_too_many_wrong_tries_close_the_dialog(rig_factory):
    """Bad input: a document number the chip refuses, MAX_TRIES times."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await place_passport(pilot, rig)
        await type_mrz(pilot, "E12345679", MRZ[1], MRZ[2])
        for attempt in range(1, MAX_TRIES):
            await click(pilot, "#read")
            await wait_for(pilot, lambda: f"{MAX_TRIES - attempt} tries left" in message(app))
            await pilot.pause(0.3)  # a Button ignores taps during its 0.2 s pressed flash
        await click(pilot, "#read")
        await wait_for(pilot, lambda: not isinstance(app.screen, MrzScreen))
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: "still did not match" in str(status.content))
        assert app.step is Step.IDENTIFY and app.session.identity is None


async def test_cancel_and_removal_close_the_dialog(rig_factory):
    """Bad input: the citizen cancels; then the passport leaves the reader mid-entry, and
    the reader fails during the keyed read (the card is pulled)."""
    rig = rig_factory()
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await place_passport(pilot, rig)
        await click(pilot, "#cancel")
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: "place it again" in str(status.content))
        await pilot.pause(0.3)  # a Button ignores taps during its 0.2 s pressed flash
        await click(pilot, "#sample-passport")
        await wait_for(pilot, lambda: mrz_dialog_shown(app))
        await click(pilot, "#edit-number")  # a keypad open over the dialog
        rig.reader.remove()
        await wait_for(pilot, lambda: not any(isinstance(s, MrzScreen) for s in app.screen_stack))
        assert app.step is Step.IDENTIFY
        rig.reader.insert(PASSPORT)
        await wait_for(pilot, lambda: mrz_dialog_shown(app))
        await type_mrz(pilot, *MRZ)
        rig.reader.fail_next = CardRemoved("card left the reader during the read")
        await click(pilot, "#read")
        await wait_for(pilot, lambda: not isinstance(app.screen, MrzScreen))
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: "could not be read" in str(status.content))
        assert app.session.identity is None
