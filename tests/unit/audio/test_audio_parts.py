"""The audio settings, the player lookup, the spoken-message rules and the supervisor's view."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from devices.audio.players import find_player
from devices.audio.settings import AudioSettings
from devices.audio.simulated import SimulatedSpeaker
from devices.errors import NoAudioOutput
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.domain.session import CitizenSession
from kiosk.health.supervisor import AUDIO, DeviceState, Supervisor, probers_for
from kiosk.ui.i18n import catalog
from kiosk.ui.speech import SPOKEN_ERRORS, instruction_key, spoken_error_key, spoken_messages


def test_settings_refuse_unknown_backends_and_odd_voice_names():
    """Bad input: what a config file could hold."""
    assert AudioSettings().voices == {"zh-Hans": "cmn", "zh-Hant": "yue", "en": "en"}
    for bad in ({"backend": "festival"}, {"voices": {"zh-Hans": "-w /etc/passwd"}}, {"voices": {"中文": "cmn"}},
                {"rate_wpm": 5}, {"volume": 500}, {"synth_timeout_s": 0}):  # fmt: skip
        with pytest.raises(ValidationError):
            AudioSettings(**bad)


def test_the_first_player_found_is_used_and_an_override_must_exist():
    found = {"paplay": "/usr/bin/paplay", "play": "/usr/bin/play"}
    assert find_player([], found.get) == ["/usr/bin/paplay"]
    assert find_player(["play", "-q"], found.get) == ["/usr/bin/play", "-q"]
    assert find_player(["aplay"], found.get) is None
    assert find_player([], {}.get) is None


def test_every_step_has_its_spoken_instruction_and_every_spoken_error_exists():
    messages = catalog(Lang.ZH_HANS)
    assert all(instruction_key(step.value) in messages for step in Step)
    for spoken in SPOKEN_ERRORS:
        assert any(key == spoken or (spoken.endswith(".") and key.startswith(spoken)) for key in messages), spoken
    assert spoken_error_key("form.error.required") == "voice.form_error"
    assert spoken_error_key("identify.error.read") == "identify.error.read"
    assert spoken_error_key("identify.title") is None
    assert set(spoken_messages(Lang.EN)) == set(spoken_messages(Lang.ZH_HANT))


def test_the_voice_flag_is_off_by_default_and_goes_with_the_citizen():
    session = CitizenSession()
    assert not session.voice
    session.voice = True
    session.wipe(keep_lang=True)  # the done screen still speaks to the same person
    assert session.voice
    session.wipe()
    assert not session.voice


def test_a_silent_speaker_is_degraded_never_down_and_blocks_nothing():
    speaker = SimulatedSpeaker()
    supervisor = Supervisor(probers_for(audio=speaker), probe_timeout_s=1.0)
    supervisor.probe_once()
    assert supervisor.health(AUDIO).state is DeviceState.OK
    speaker.set_output(False)
    supervisor.probe_once()
    health = supervisor.health(AUDIO)
    assert health.state is DeviceState.DEGRADED and "NoAudioOutput" in health.detail
    assert supervisor.unavailable_kinds() == frozenset()
    speaker.close()


def test_a_failed_utterance_is_reported_until_one_plays_again():
    speaker = SimulatedSpeaker()
    speaker.fail_next = NoAudioOutput("player gone")
    speaker.say("测试", "zh-Hans")
    assert speaker.wait_idle(2)
    with pytest.raises(NoAudioOutput, match="player gone"):
        speaker.probe()
    speaker.say("测试", "zh-Hans")
    assert speaker.wait_idle(2)
    assert speaker.probe() and speaker.state().spoken == 1
    speaker.close()
