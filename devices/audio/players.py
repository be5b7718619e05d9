"""The audio players a station may have, looked up once when its speaker is built.

Each plays a WAV file given as its last argument and exits when it is done; which one a
station has depends on its audio stack (ALSA, PulseAudio, PipeWire, or ffmpeg's or sox's
tools). None found is no error: the speaker is then reported degraded and stays silent.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence

#: Player programs in the order they are tried, with the arguments before the file.
PLAYERS: dict[str, tuple[str, ...]] = {
    "aplay": ("-q",),
    "paplay": (),
    "pw-play": (),
    "ffplay": ("-nodisp", "-autoexit", "-loglevel", "error"),
    "play": ("-q",),  # sox
}


def find_player(override: Sequence[str], which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The player command (absolute program path first), or None when there is none.

    `override` (the `[audio] player` setting) is used as given when its program exists;
    otherwise the first of `PLAYERS` found on PATH.
    """
    if override:
        program = which(override[0])
        return [program, *override[1:]] if program else None
    for name, args in PLAYERS.items():
        program = which(name)
        if program:
            return [program, *args]
    return None


def describe_missing(override: Sequence[str]) -> str:
    """Why `find_player` found nothing, in one line."""
    if override:
        return f"audio player {override[0]!r} ([audio] player) not found"
    return f"no audio player found (looked for {', '.join(PLAYERS)})"
