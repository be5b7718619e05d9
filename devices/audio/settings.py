"""The `[audio]` section of the station's config: which speaker, its voices, rate and volume.

Voice guidance is optional hardware: a station whose speaker is missing or silent is
reported degraded and still serves. Every step is bounded (synthesis, playback) so that a
stuck synthesiser or player never holds the voice for long.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.backend_table import known_backend

#: espeak-ng voices: cmn is Mandarin (普通话), yue Cantonese (粤语), en English.
DEFAULT_VOICES = {"zh-Hans": "cmn", "zh-Hant": "yue", "en": "en"}

_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+/-]*$")  # an espeak-ng voice name, variant after "+"


class AudioSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = Field(default="simulated", description="simulated (records what it says) or espeak (espeak-ng, played aloud)")
    voices: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_VOICES),
        description="espeak-ng voice per language tag: zh-Hans = cmn (Mandarin), zh-Hant = yue (Cantonese), en = en",
    )
    rate_wpm: int = Field(default=150, ge=80, le=450, description="Speaking rate in words per minute (espeak-ng -s)")
    volume: int = Field(default=100, ge=0, le=200, description="Loudness, espeak-ng amplitude 0-200 (100 = normal)")
    player: list[str] = Field(
        default_factory=list,
        description="Player command the WAV file's path is appended to, e.g. [\"aplay\", \"-q\", \"-D\", \"plughw:1\"]; "
        "empty = the first found of aplay, paplay, pw-play, ffplay, play",
    )
    synth_timeout_s: float = Field(default=5.0, gt=0, le=60, description="Longest time to synthesise one sentence")
    max_utterance_s: float = Field(default=30.0, gt=0, le=300, description="Longest playback of one sentence before it is cut")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from devices.audio.factory import BACKENDS  # the table imports this module for its types

        return known_backend("audio", value, BACKENDS)

    @field_validator("voices")
    @classmethod
    def _voice_names(cls, value: dict[str, str]) -> dict[str, str]:
        for tag, voice in value.items():
            if not _LANG_TAG.match(tag):
                raise ValueError(f"{tag!r} is not a language tag (zh-Hans, zh-Hant, en)")
            if not _VOICE_NAME.match(voice):
                raise ValueError(f"{voice!r} is not an espeak-ng voice name (cmn, yue, en)")
        return value
