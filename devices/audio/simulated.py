"""A scriptable, recording speaker for the demo, the UI tests and the contract suite.

It keeps every utterance it was asked for (`said`: text, language tag, monotonic time), so
a test can check what a citizen would have heard, and that nothing personal was among it.
It plays on the same worker thread as the real speaker (`devices.audio.worker`), each
utterance lasting `seconds_per_char` per character, so being cut by a newer one behaves
the same. `fail_next = NoAudioOutput(...)` makes the next utterance fail as a player
would; `set_output(False)` takes the output away: `probe()` reports it and every
utterance fails, as a player without a sound card does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devices.audio.base import SpeakerState, Utterance
from devices.audio.settings import DEFAULT_VOICES
from devices.audio.worker import SpeechWorker
from devices.errors import AudioError, NoAudioOutput, UnsupportedLanguage


class SimulatedSpeaker:
    def __init__(self, languages: frozenset[str] = frozenset(DEFAULT_VOICES), seconds_per_char: float = 0.0) -> None:
        self.name = "simulated"
        self.languages = frozenset(languages)
        self.seconds_per_char = seconds_per_char
        self.said: list[Utterance] = []
        #: Raised (once) while playing the next utterance, as a failing player would.
        self.fail_next: AudioError | None = None
        self._output = True
        self._lock = threading.Lock()
        self._worker = SpeechWorker(self._play, "voice-simulated")

    def set_output(self, available: bool) -> None:
        with self._lock:
            self._output = available

    def say(self, text: str, lang: str) -> None:
        if lang not in self.languages:
            raise UnsupportedLanguage(f"no voice for language {lang!r} (configured: {', '.join(sorted(self.languages))})")
        if text.strip():
            utterance = Utterance(text, lang, time.monotonic())
            with self._lock:
                self.said.append(utterance)
            self._worker.submit(utterance)

    def stop(self) -> None:
        self._worker.cancel()

    def wait_idle(self, timeout: float) -> bool:
        return self._worker.wait_idle(timeout)

    def state(self) -> SpeakerState:
        return self._worker.state()

    def probe(self) -> str:
        with self._lock:
            output = self._output
        if not output:
            raise NoAudioOutput("simulated: no audio output")
        last_error = self.state().last_error
        if last_error:
            raise NoAudioOutput(f"last utterance failed: {last_error}")
        return f"simulated: {len(self.said)} utterances"

    def close(self) -> None:
        self._worker.close()

    def _play(self, utterance: Utterance, cancelled: threading.Event, started: Callable[[], None]) -> None:
        with self._lock:
            failure, self.fail_next = self.fail_next, None
            output = self._output
        if failure is not None:
            raise failure
        if not output:
            raise NoAudioOutput("simulated: no audio output")
        started()
        cancelled.wait(len(utterance.text) * self.seconds_per_char)
