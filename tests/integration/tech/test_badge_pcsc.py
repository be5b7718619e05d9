"""Technician badge login through the real PC/SC stack: pcscd + vpcd + a virtual badge
answering GET DATA UID (FF CA), read by PcscCardReader, checked against argon2 hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import DevicesScreen
from tests.integration.card_pcsc.stack import stack_or_skip
from tests.integration.card_pcsc.virtual_emrtd import VirtualBadge, VirtualEmrtd
from tests.tui.tech.rig import BADGE_UID, build_rig
from tests.tui.tech.test_technician_mode import SIZE, Host, wait_for

pytestmark = pytest.mark.realstack


@pytest.fixture
def pcsc_rig(tmp_path: Path):
    stack = stack_or_skip()
    rig = build_rig(tmp_path, card=stack.reader(timeout_s=3.0))
    yield stack, rig
    rig.close()


def test_gate_accepts_the_allowed_badge_only(pcsc_rig):
    """Bad input: an unknown badge, and a passport (its UID must not count as a badge)."""
    stack, rig = pcsc_rig
    with stack.inserted(VirtualBadge(uid=bytes.fromhex("04DEADBEEF0001"))):
        assert rig.gate.login_badge(rig.card.read_badge().uid).outcome == "wrong"
    with stack.inserted(VirtualEmrtd()):
        from devices.errors import CardRejected

        with pytest.raises(CardRejected):
            rig.card.read_badge()
    with stack.inserted(VirtualBadge(uid=bytes.fromhex(BADGE_UID))):
        assert rig.gate.login_badge(rig.card.read_badge().uid).ok
    assert rig.gate.session.who == "badge#1"


async def test_badge_tap_on_the_real_reader_opens_technician_mode(pcsc_rig):
    stack, rig = pcsc_rig
    async with Host(rig).run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TechnicianLoginScreen))
        link = stack.link(VirtualBadge(uid=bytes.fromhex(BADGE_UID)))
        link.insert()
        try:
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, DevicesScreen), timeout=10)
        finally:
            link.remove()
    assert rig.gate.session is not None and rig.audit.recent(1)[0].detail["method"] == "badge"
