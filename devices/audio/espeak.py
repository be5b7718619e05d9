"""The real speaker: espeak-ng synthesises a WAV file, the system's player plays it.

Offline and packaged by Debian (`espeak-ng`), with Mandarin (cmn), Cantonese (yue) and
English voices. Each utterance is two bounded subprocesses on the speaker's worker thread:
`espeak-ng --stdin -w FILE` (the text goes through stdin, never the command line, so no
text is ever read as an option) then the player on FILE; a newer utterance or `stop()`
terminates whichever is running. The WAV files live in a private temporary folder and
are deleted as soon as they are played.

The player is looked up once, when the speaker is built (`devices.audio.players`). A
station without one, or whose player fails to open the output (no sound card), is
reported degraded through `probe()`; the station serves on in silence.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Sequence
from itertools import count
from pathlib import Path

from devices.audio.base import Utterance
from devices.audio.players import describe_missing, find_player
from devices.audio.settings import AudioSettings
from devices.audio.worker import ThreadedSpeaker
from devices.errors import AudioTimeout, NoAudioOutput, SpeechUnavailable

#: How often a running subprocess is checked for a cancel (bounds how late a cut is).
POLL_S = 0.02
#: Playback may run this much longer than the audio it plays (player start, device buffers).
PLAY_SLACK_S = 2.0
#: Bound for `espeak-ng --version` and the voice checks in `probe()`.
PROBE_TIMEOUT_S = 3.0


class EspeakSpeaker(ThreadedSpeaker):
    """espeak-ng plus the first player found; see the module docstring."""

    def __init__(self, settings: AudioSettings, which: Callable[[str], str | None] = shutil.which) -> None:
        super().__init__("espeak", frozenset(settings.voices))
        self._settings = settings
        self._espeak = which("espeak-ng")
        self._player = find_player(settings.player, which)
        self._voices_checked = False
        self._output_checked = False
        self._folder = tempfile.TemporaryDirectory(prefix="kiosk-voice-")  # removed by close() or at exit
        self._numbers = count(1)

    def probe(self) -> str:
        """espeak-ng runs and has every configured voice, a player exists and opens the output
        (checked once with silence, then by each utterance: the last one must have played)."""
        if self._espeak is None:
            raise SpeechUnavailable("espeak-ng is not installed (Debian package espeak-ng)")
        version = _run([self._espeak, "--version"], "", PROBE_TIMEOUT_S, threading.Event()).split(b"Data at")[0]
        if not self._voices_checked:  # installed voices do not change while the station runs
            for lang, voice in sorted(self._settings.voices.items()):
                try:
                    _run([self._espeak, "-q", "-v", voice, ""], "", PROBE_TIMEOUT_S, threading.Event())
                except SpeechUnavailable:
                    raise SpeechUnavailable(f"espeak-ng has no voice {voice!r} (for {lang})") from None
            self._voices_checked = True
        if self._player is None:
            raise NoAudioOutput(describe_missing(self._settings.player))
        self._check_last_utterance()
        if not self._output_checked:
            self._check_output()
        voices = ", ".join(f"{lang} {voice}" for lang, voice in sorted(self._settings.voices.items()))
        return f"{version.decode(errors='replace').strip()}; voices {voices}; player {Path(self._player[0]).name}"

    def _check_output(self) -> None:
        """Play a moment of silence once: a player that cannot open the output (no sound
        card, no sound server) fails here, before the first citizen is left unheard."""
        silence = self._wav_path()
        try:
            with contextlib.closing(wave.open(str(silence), "wb")) as audio:
                audio.setnchannels(1)
                audio.setsampwidth(2)
                audio.setframerate(22050)
                audio.writeframes(bytes(2 * 22050 // 20))  # 50 ms
            _run([*self._player, str(silence)], None, PROBE_TIMEOUT_S, threading.Event(), failure=NoAudioOutput)  # type: ignore[misc]
        finally:
            silence.unlink(missing_ok=True)
        self._output_checked = True

    def _wav_path(self) -> Path:
        """A fresh file name in the speaker's private temporary folder."""
        return Path(self._folder.name) / f"utterance-{next(self._numbers)}.wav"

    def close(self) -> None:
        super().close()
        self._folder.cleanup()

    # --- one utterance, on the worker thread ------------------------------------------

    def _play(self, utterance: Utterance, cancelled: threading.Event, started: Callable[[], None]) -> None:
        if self._espeak is None:
            raise SpeechUnavailable("espeak-ng is not installed (Debian package espeak-ng)")
        wav = self._wav_path()
        try:
            self.synthesise(utterance.text, utterance.lang, wav, cancelled)
            if cancelled.is_set():
                return
            if self._player is None:
                raise NoAudioOutput(describe_missing(self._settings.player))
            length = min(wav_seconds(wav) + PLAY_SLACK_S, self._settings.max_utterance_s)
            started()
            _run([*self._player, str(wav)], None, length, cancelled, failure=NoAudioOutput, cut_is_ok=True)
        finally:
            wav.unlink(missing_ok=True)

    def synthesise(self, text: str, lang: str, wav: Path, cancelled: threading.Event | None = None) -> None:
        """Write `text` spoken in `lang` to `wav` (what the voice tests check as audio)."""
        settings = self._settings
        if self._espeak is None:
            raise SpeechUnavailable("espeak-ng is not installed (Debian package espeak-ng)")
        command = [
            self._espeak, "-v", settings.voices[lang], "-s", str(settings.rate_wpm), "-a", str(settings.volume),
            "-b", "1", "-w", str(wav), "--stdin",
        ]  # fmt: skip
        _run(command, text, settings.synth_timeout_s, cancelled or threading.Event())


def wav_seconds(path: Path) -> float:
    """A WAV file's length in seconds (from its header)."""
    try:
        with contextlib.closing(wave.open(str(path), "rb")) as audio:
            return audio.getnframes() / audio.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise SpeechUnavailable(f"espeak-ng wrote no readable WAV file: {type(exc).__name__}") from None


def _run(
    command: Sequence[str],
    text: str | None,
    timeout: float,
    cancelled: threading.Event,
    *,
    failure: type[SpeechUnavailable | NoAudioOutput] = SpeechUnavailable,
    cut_is_ok: bool = False,
) -> bytes:
    """Run `command` (feeding `text` on stdin) to its end, its timeout or `cancelled`; its stdout.

    A non-zero exit raises `failure` naming the program and its last line of error output
    (players and espeak-ng write device and voice trouble there, never the text). Running
    past `timeout` raises AudioTimeout, or just stops the process when `cut_is_ok` (a player
    still running past the audio's length has played it). The process is always reaped.
    """
    program = Path(command[0]).name
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise failure(f"{program} could not be started: {exc.strerror or type(exc).__name__}") from None
    deadline = time.monotonic() + timeout
    payload = text.encode("utf-8") if text is not None else None
    try:
        while True:
            try:
                out, err = process.communicate(payload, timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                payload = None  # sent on the first call; later calls only wait
            if cancelled.is_set():
                return b""
            if time.monotonic() >= deadline:
                if cut_is_ok:
                    return b""
                raise AudioTimeout(f"{program} took longer than {timeout:g} s")
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=1.0)
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or out.decode(errors="replace").strip().splitlines()
        reason = lines[-1][:160] if lines else "no message"
        raise failure(f"{program} exited with status {process.returncode}: {reason}")
    return out
