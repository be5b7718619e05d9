"""One contract for every speaker backend, run on the simulated one and on the real espeak-ng.

The real rig is espeak-ng itself (Debian's package) with real subprocesses; what this
machine lacks is a sound card, so its *player* is a stand-in: a shell that sleeps for the
WAV file's real length (read by sox's `soxi`), as a player would take to play it. The
broken rig uses the real `aplay` on an ALSA device that does not exist, which fails to
open its output exactly as on a station whose sound card is gone.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from devices.audio.base import Speaker
from devices.audio.espeak import EspeakSpeaker
from devices.audio.settings import AudioSettings
from devices.audio.simulated import SimulatedSpeaker
from devices.errors import NoAudioOutput, UnsupportedLanguage

SHORT = "请取走您的回执"
LONG = "请把身份证放在读卡器上。" * 8  # several seconds of speech in any backend below
#: A player that takes as long as the audio it is given (stand-in for a sound card; see above).
PACED_PLAYER = ["sh", "-c", 'sleep "$(soxi -D "$0")"']


@dataclass
class Rig:
    healthy: Callable[[], Speaker]
    broken: Callable[[], Speaker]  # its output cannot be opened


def _simulated_broken() -> Speaker:
    speaker = SimulatedSpeaker(seconds_per_char=0.05)
    speaker.set_output(False)
    return speaker


def _espeak(player: list[str]) -> Speaker:
    return EspeakSpeaker(AudioSettings(backend="espeak", player=player, synth_timeout_s=10))


RIGS = {
    "simulated": Rig(lambda: SimulatedSpeaker(seconds_per_char=0.05), _simulated_broken),
    "espeak": Rig(lambda: _espeak(PACED_PLAYER), lambda: _espeak(["aplay", "-q", "-D", "hw:CARD=NoSuchCard"])),
}


@pytest.fixture(params=list(RIGS))
def rig(request):
    if request.param == "espeak":
        missing = [p for p in ("espeak-ng", "soxi", "aplay") if shutil.which(p) is None]
        assert not missing, f"run scripts/setup.sh: {missing} missing"
    made: list[Speaker] = []

    def build(kind: str) -> Speaker:
        speaker = getattr(RIGS[request.param], kind)()
        made.append(speaker)
        return speaker

    yield build
    for speaker in made:
        speaker.close()


def _wait_started(speaker: Speaker, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while speaker.state().started_at is None:
        assert time.monotonic() < deadline, "speech never started"
        time.sleep(0.01)


def test_say_returns_at_once_and_plays_to_the_end(rig):
    speaker = rig("healthy")
    asked = time.monotonic()
    speaker.say(SHORT, "zh-Hans")
    assert time.monotonic() - asked < 0.1
    assert speaker.wait_idle(10)
    state = speaker.state()
    assert (state.spoken, state.interrupted, state.failed, state.last_error) == (1, 0, 0, "")
    assert state.started_at is not None and state.started_at >= asked
    assert not state.speaking


def test_a_newer_utterance_cuts_the_one_playing(rig):
    speaker = rig("healthy")
    speaker.say(LONG, "zh-Hans")
    _wait_started(speaker)
    cut = time.monotonic()
    speaker.say(SHORT, "zh-Hans")
    assert speaker.wait_idle(10)
    state = speaker.state()
    assert (state.spoken, state.interrupted, state.failed) == (1, 1, 0)
    assert time.monotonic() - cut < 4.0  # the long one (over 4 s of speech) did not play out


def test_stop_silences_at_once(rig):
    speaker = rig("healthy")
    speaker.say(LONG, "zh-Hant")
    _wait_started(speaker)
    stopped = time.monotonic()
    speaker.stop()
    assert speaker.wait_idle(2)
    assert time.monotonic() - stopped < 1.0
    assert speaker.state().interrupted == 1


def test_an_unknown_language_is_refused_and_blank_text_ignored(rig):
    speaker = rig("healthy")
    with pytest.raises(UnsupportedLanguage):
        speaker.say(SHORT, "fr")
    speaker.say("   ", "en")
    assert speaker.wait_idle(0.5)
    assert speaker.state().started_at is None
    assert {"zh-Hans", "zh-Hant", "en"} <= speaker.languages


def test_healthy_probe_names_itself(rig):
    speaker = rig("healthy")
    assert speaker.probe()


def test_an_output_that_cannot_open_is_reported_and_the_voice_keeps_working(rig):
    speaker = rig("broken")
    with pytest.raises(NoAudioOutput):
        speaker.probe()
    for attempt in (1, 2):  # the worker thread survives a failure
        speaker.say(SHORT, "zh-Hans")
        assert speaker.wait_idle(10)
        state = speaker.state()
        assert state.failed == attempt and state.spoken == 0
        assert state.last_error
    with pytest.raises(NoAudioOutput):
        speaker.probe()


def test_close_is_idempotent_and_ends_speech(rig):
    speaker = rig("healthy")
    speaker.say(LONG, "zh-Hans")
    _wait_started(speaker)
    closed = time.monotonic()
    speaker.close()
    speaker.close()
    assert time.monotonic() - closed < 2.5
    speaker.say(SHORT, "en")  # after close: ignored, never raises
    assert not speaker.state().speaking
