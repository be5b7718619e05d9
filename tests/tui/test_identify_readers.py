"""The identify step with two readers (`[card] backends`): it says which documents work now.

The station's reader is a real `CompositeCardReader` over two simulated readers, one
standing in for the GA 467 (ID cards) and one for the PC/SC reader (passports, badges).
"""

from __future__ import annotations

import pytest
from textual.widgets import Static

from devices.card import samples
from devices.card.base import Capability
from devices.card.composite import CompositeCardReader
from devices.card.simulated import SimulatedCardReader
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.station import STATION_SIZE
from kiosk.ui.i18n import t
from tests.tui.conftest import mrz_dialog_shown, wait_for
from tests.tui.screens import show


def two_readers():
    ids = SimulatedCardReader("ID card reader", Capability.RESIDENT_ID)
    passports = SimulatedCardReader("Passport reader", Capability.EMRTD | Capability.BADGE_UID)
    return CompositeCardReader([ids, passports]), ids, passports


def instructions(app) -> str:
    return str(app.screen.query_one("#instructions", Static).render())


async def test_instructions_follow_the_readers(rig_factory):
    """The passport reader goes away and comes back; then the ID card reader; a passport
    still starts a session while the ID card reader is out."""
    card, ids, passports = two_readers()
    app = rig_factory(card=card, demo=None).app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.IDENTIFY, Lang.EN)
        usual = t("identify.instructions", Lang.EN)
        assert instructions(app) == usual
        passports.unplug()
        card.probe()  # what the supervisor's next round does
        await wait_for(pilot, lambda: instructions(app) == t("identify.reader_down.emrtd", Lang.EN))
        assert app.screen.query_one("#instructions").has_class("-warning")
        passports.plug()
        card.probe()
        await wait_for(pilot, lambda: instructions(app) == usual)
        assert not app.screen.query_one("#instructions").has_class("-warning")
        ids.unplug()
        card.probe()
        await wait_for(pilot, lambda: instructions(app) == t("identify.reader_down.resident_id", Lang.EN))
        passports.insert(samples.PASSPORT)
        await wait_for(pilot, lambda: mrz_dialog_shown(app))  # the passport is being read
        assert passports.calls.count("read_identity") == 1 and ids.calls.count("read_identity") == 0


@pytest.mark.parametrize("lang", list(Lang), ids=[lang.value for lang in Lang])
def test_identify_with_the_passport_reader_down(snap_compare, rig_factory, lang):
    card, _, passports = two_readers()
    passports.unplug()
    card.probe()
    app = rig_factory(card=card, demo=None).app()

    async def run_before(pilot):
        await show(pilot, Step.IDENTIFY, lang)

    assert snap_compare(app, terminal_size=STATION_SIZE, run_before=run_before)
