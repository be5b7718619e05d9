"""Build the configured speaker (called by the composition root).

`BACKENDS` is the table of audio backends: name -> builder, each importing its backend
when called; the settings validator accepts exactly these names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.audio.base import Speaker

if TYPE_CHECKING:
    from devices.audio.settings import AudioSettings


def _simulated(settings: AudioSettings) -> Speaker:
    from devices.audio.simulated import SimulatedSpeaker

    return SimulatedSpeaker(frozenset(settings.voices))


def _espeak(settings: AudioSettings) -> Speaker:
    from devices.audio.espeak import EspeakSpeaker

    return EspeakSpeaker(settings)


BACKENDS: dict[str, Callable[[AudioSettings], Speaker]] = {
    "simulated": _simulated,
    "espeak": _espeak,  # espeak-ng, played through aplay, paplay, pw-play, ffplay or sox's play
}


def build_speaker(settings: AudioSettings) -> Speaker:
    """The backend `settings.backend` names. Nothing runs until the first `say` or `probe`."""
    return BACKENDS[settings.backend](settings)
