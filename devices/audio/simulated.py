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
from collections.abc import Callable

from devices.audio.base import Utterance
from devices.audio.settings import DEFAULT_VOICES
from devices.audio.worker import ThreadedSpeaker
from devices.errors import AudioError, NoAudioOutput


class SimulatedSpeaker(ThreadedSpeaker):
    def __init__(self, languages: frozenset[str] = frozenset(DEFAULT_VOICES), seconds_per_char: float = 0.0) -> None:
        super().__init__("simulated", languages)
        self.seconds_per_char = seconds_per_char
        self.said: list[Utterance] = []
        #: Raised (once) while playing the next utterance, as a failing player would.
        self.fail_next: AudioError | None = None
        self._output = True
        self._lock = threading.Lock()

    def set_output(self, available: bool) -> None:
        with self._lock:
            self._output = available

    def _asked(self, utterance: Utterance) -> None:
        with self._lock:
            self.said.append(utterance)

    def probe(self) -> str:
        with self._lock:
            output = self._output
        if not output:
            raise NoAudioOutput("simulated: no audio output")
        self._check_last_utterance()
        return f"simulated: {len(self.said)} utterances asked for"

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
