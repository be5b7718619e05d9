"""Voice guidance in the citizen UI, on the recording simulated speaker.

What is checked is what a citizen would hear: each step's instruction when it is shown and
again in a new language, the errors a screen shows (several at once spoken as one), the
toggle, silence while the voice is off, and never anything personal.
"""

from __future__ import annotations

import datetime as dt

import pytest

from devices.audio.simulated import SimulatedSpeaker
from devices.card.base import Identity
from devices.card.samples import SAMPLES
from devices.errors import CardRemoved
from kiosk.domain.flow import CITIZEN_DOCUMENTS, Step
from kiosk.domain.form import prefill
from kiosk.domain.i18n_text import Lang
from kiosk.domain.masking import mask_date, mask_id_number, mask_name
from kiosk.station import STATION_SIZE
from kiosk.ui.i18n import t
from kiosk.ui.widgets.voice_toggle import VoiceToggle
from tests.tui.conftest import click, consent_and_submit, fill_endorsement_up_to_capture, wait_for
from tests.tui.screens import SERVICE, show

PHONE = "13800138000"  # what the citizen types in the endorsement form


def _voice_rig(rig_factory):
    speaker = SimulatedSpeaker()
    return rig_factory(voice=speaker), speaker


def _texts(speaker: SimulatedSpeaker) -> list[str]:
    return [u.text for u in speaker.said]


async def test_each_step_speaks_its_instruction_in_the_session_language(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await click(pilot, "#lang-zh-Hant")
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        await click(pilot, "#yes")
        await wait_for(pilot, lambda: len(speaker.said) >= 3)
    assert [(u.text, u.lang) for u in speaker.said] == [
        (t(f"voice.{step}", Lang.ZH_HANT), "zh-Hant") for step in ("identify", "confirm", "choose")
    ]


async def test_the_voice_is_off_by_default_and_a_whole_session_is_silent(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await fill_endorsement_up_to_capture(pilot, "#lang-en")
        assert not app.session.voice
    assert speaker.said == []


async def test_a_language_change_says_the_instruction_again_in_the_new_language(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await show(pilot, Step.CHOOSE, Lang.ZH_HANS)
        app.session.lang = Lang.EN
        await app.screen.recompose()  # what a language switch does to the screen
        await wait_for(pilot, lambda: len(speaker.said) == 2)
    assert [(u.text, u.lang) for u in speaker.said] == [
        (t("voice.choose", Lang.ZH_HANS), "zh-Hans"), (t("voice.choose", Lang.EN), "en")
    ]


async def test_a_read_error_is_spoken_as_shown(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    rig.reader.fail_next = CardRemoved("card removed during read")
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await click(pilot, "#lang-en")
        await click(pilot, "#sample-resident")
        await wait_for(pilot, lambda: t("identify.error.read", Lang.EN) in _texts(speaker))
        assert app.step is Step.IDENTIFY


async def test_several_field_errors_are_spoken_as_one_plain_sentence(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await show(pilot, Step.FORM, Lang.ZH_HANS)
        await click(pilot, "#next")  # destination, kind and phone are all missing
        await pilot.pause(0.2)
        assert app.step is Step.FORM
    assert _texts(speaker) == [t("voice.form", Lang.ZH_HANS), t("voice.form_error", Lang.ZH_HANS)]


async def test_the_toggle_turns_the_voice_on_and_off(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    speaker.seconds_per_char = 0.2  # long enough to be cut
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await show(pilot, Step.CHOOSE, Lang.EN)
        await app.screen.mount(VoiceToggle(app.session.voice, app.session.lang))
        toggle = app.screen.query_one("#voice-toggle", VoiceToggle)
        assert str(toggle.label) == t("voice.toggle.off", Lang.EN) and speaker.said == []
        await click(pilot, "#voice-toggle")
        assert app.session.voice and str(toggle.label) == t("voice.toggle.on", Lang.EN)
        await wait_for(pilot, lambda: speaker.state().speaking)
        assert _texts(speaker) == [t("voice.choose", Lang.EN)]
        # A Textual button ignores taps during its 0.2 s press effect (a double tap is one tap)
        await wait_for(pilot, lambda: not toggle.has_class("-active"))
        await click(pilot, "#voice-toggle")
        assert not app.session.voice
        await wait_for(pilot, lambda: speaker.state().interrupted == 1)  # silenced at once
        assert app.step is Step.CHOOSE  # the screen's own buttons never saw the taps


async def test_the_voice_ends_with_the_session(rig_factory):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await show(pilot, Step.CHOOSE, Lang.EN)
        await click(pilot, "#cancel")
        assert app.step is Step.ATTRACT and not app.session.voice
    assert _texts(speaker) == [t("voice.choose", Lang.EN)]


def _personal(identity: Identity) -> set[str]:
    """Everything of `identity` a citizen must never hear, raw and as the screens mask it."""
    values = {identity.name, identity.latin_name, identity.id_number, identity.address, identity.issuer}
    values |= {mask_name(identity.name), mask_id_number(identity.id_number), mask_date(identity.birth_date)}
    values |= {identity.birth_date.isoformat(), identity.birth_date.strftime("%Y%m%d")}
    return {value for value in values if value and len(value) >= 2}


CITIZENS = {label: card for label, card in SAMPLES.items() if isinstance(card, Identity) and card.kind in CITIZEN_DOCUMENTS}


@pytest.mark.parametrize("lang", list(Lang))
async def test_a_whole_spoken_session_says_nothing_personal(rig_factory, lang):
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.session.voice = True
        await fill_endorsement_up_to_capture(pilot, f"#lang-{lang.value}")
        await click(pilot, "#demo-place")
        await wait_for(pilot, lambda: app.screen.query_one("#use").display, timeout=10)
        await click(pilot, "#use")
        await wait_for(pilot, lambda: app.step is Step.REVIEW)
        await consent_and_submit(pilot)
        await wait_for(pilot, lambda: t("voice.done", lang) in _texts(speaker))
    spoken = "\n".join(_texts(speaker))
    assert len(speaker.said) >= 7 and {u.lang for u in speaker.said} == {lang.value}
    for value in _personal(SAMPLES["resident"]) | {PHONE}:  # type: ignore[arg-type]
        assert value not in spoken


@pytest.mark.parametrize("label", list(CITIZENS))
async def test_no_sample_citizen_is_ever_spoken(rig_factory, label):
    """Every step shown with each sample card's data in the session, with the voice on."""
    identity = CITIZENS[label]
    rig, speaker = _voice_rig(rig_factory)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        for lang in Lang:
            for step in (Step.CONFIRM, Step.CHOOSE, Step.FORM, Step.REVIEW, Step.DONE):
                app.session.voice = True
                await show(pilot, step, lang)
                app.session.identity = identity if step is not Step.DONE else None
                if step in (Step.FORM, Step.REVIEW):
                    app.session.form.update(prefill(app.station.catalog().service(SERVICE), identity))
                app.goto(step)  # shown again with this citizen's data
                await pilot.pause()
    spoken = "\n".join(_texts(speaker))
    assert len(speaker.said) >= 30
    for value in _personal(identity):
        assert value not in spoken, f"{label}: spoken"
    assert dt.date.today().isoformat() not in spoken
