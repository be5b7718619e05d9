"""Every sentence the station may say, in the three languages, synthesised by the real
espeak-ng and checked as audio: not silent, of a plausible length, longer for longer text.

The WAV files are written to the test's own folder (nothing is cached across runs) and read
back with Python's `wave` module; synthesis runs two at a time (one per core).
"""

from __future__ import annotations

import array
import contextlib
import math
import shutil
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devices.audio.espeak import EspeakSpeaker
from devices.audio.settings import AudioSettings
from kiosk.domain.i18n_text import Lang
from kiosk.ui.speech import spoken_messages

#: RMS (of full scale 1.0) below this is silence; espeak-ng speech measures about 0.05-0.1.
RMS_FLOOR = 0.01
SHORTEST_S, LONGEST_S = 0.3, 20.0


def _measure(path: Path) -> tuple[float, float]:
    """(seconds, RMS as a share of full scale) of a 16-bit mono WAV file."""
    with contextlib.closing(wave.open(str(path), "rb")) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        frames = audio.readframes(audio.getnframes())
        seconds = audio.getnframes() / audio.getframerate()
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / max(len(samples), 1)) / 32768
    return seconds, rms


@pytest.fixture(scope="module")
def speaker():
    assert shutil.which("espeak-ng"), "run scripts/setup.sh: espeak-ng is missing"
    speaker = EspeakSpeaker(AudioSettings(backend="espeak"))
    yield speaker
    speaker.close()


@pytest.mark.parametrize("lang", list(Lang))
def test_every_spoken_message_is_real_audio(speaker, lang, tmp_path):
    messages = spoken_messages(lang)
    assert len(messages) >= 20

    def synthesise(key: str) -> tuple[str, float, float]:
        wav = tmp_path / f"{key}.wav"
        speaker.synthesise(messages[key], lang.value, wav)
        return (key, *_measure(wav))

    with ThreadPoolExecutor(max_workers=2) as pool:
        measured = list(pool.map(synthesise, messages))
    for key, seconds, rms in measured:
        assert SHORTEST_S <= seconds <= LONGEST_S, f"{lang.value} {key}: {seconds:.2f} s"
        assert rms > RMS_FLOOR, f"{lang.value} {key}: silent (RMS {rms:.4f})"
    by_length = {key: (len(messages[key]), seconds) for key, seconds, _ in measured}
    for short, (short_chars, short_s) in by_length.items():
        for long, (long_chars, long_s) in by_length.items():
            if long_chars >= 2 * short_chars:
                assert long_s > short_s, f"{lang.value}: {long!r} is twice as long as {short!r} but not longer spoken"


def test_the_voices_speak_their_own_language(speaker, tmp_path):
    """Cantonese and Mandarin are different voices: the same characters come out differently."""
    text = "请把身份证放在读卡器上。"
    lengths = {}
    for lang in (Lang.ZH_HANS, Lang.ZH_HANT):
        wav = tmp_path / f"{lang.value}.wav"
        speaker.synthesise(text, lang.value, wav)
        lengths[lang] = wav.read_bytes()
    assert lengths[Lang.ZH_HANS] != lengths[Lang.ZH_HANT]
