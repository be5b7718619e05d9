"""The one thread every speaker backend plays on: the newest utterance wins.

Backends differ only in how one utterance is played (`Play`); what the caller sees is the
same for all of them and is what the contract suite checks: `submit` returns at once, a
newer utterance cancels the one in progress (its `cancelled` event is set and the backend
stops its processes), `cancel` silences, `close` ends the thread within a bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from devices.audio.base import SpeakerState, Utterance
from devices.errors import AudioError, NoAudioOutput, UnsupportedLanguage

log = logging.getLogger(__name__)

#: Plays one utterance: returns when it ended or `cancelled` was set (then promptly), calls
#: `started()` the moment its sound begins, raises AudioError when it cannot be played.
Play = Callable[[Utterance, threading.Event, Callable[[], None]], None]


class SpeechWorker:
    """A daemon thread playing the latest submitted utterance, with the speaker's state."""

    def __init__(self, play: Play, name: str) -> None:
        self._play = play
        self._name = name
        self._cond = threading.Condition()
        self._pending: Utterance | None = None
        self._current: threading.Event | None = None  # the playing utterance's cancel event
        self._closed = False
        self._thread: threading.Thread | None = None
        self._state = SpeakerState()

    def submit(self, utterance: Utterance) -> None:
        """Play `utterance` next, cutting the one in progress. Starts the thread the first time."""
        with self._cond:
            if self._closed:
                return
            self._pending = utterance
            if self._current is not None:
                self._current.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self._pending = None
            if self._current is not None:
                self._current.set()

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and self._current is None, timeout)

    def state(self) -> SpeakerState:
        with self._cond:
            return self._state

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            thread = self._thread
        self.cancel()
        with self._cond:
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed:
                    return
                utterance, self._pending = self._pending, None
                cancelled = self._current = threading.Event()
                self._state = replace(self._state, speaking=True)
            error = ""
            try:
                self._play(utterance, cancelled, self._started)  # type: ignore[arg-type]
            except AudioError as exc:
                error = str(exc) or type(exc).__name__
            except Exception as exc:  # a backend bug must not end the voice for good
                error = f"playing failed: {type(exc).__name__}"
            with self._cond:
                state = self._state
                if cancelled.is_set():  # a killed player's exit status is no failure
                    state = replace(state, interrupted=state.interrupted + 1)
                elif error:
                    log.info("voice: %s", error)  # the reason only, never the text; probe() reports it
                    state = replace(state, failed=state.failed + 1, last_error=error)
                else:
                    state = replace(state, spoken=state.spoken + 1, last_error="")
                self._state = replace(state, speaking=False)
                self._current = None
                self._cond.notify_all()

    def _started(self) -> None:
        with self._cond:
            self._state = replace(self._state, started_at=time.monotonic())


class ThreadedSpeaker:
    """The `Speaker` methods every backend shares, on one `SpeechWorker`; a backend writes `_play`."""

    def __init__(self, name: str, languages: frozenset[str]) -> None:
        self.name = name
        self.languages = frozenset(languages)
        self._worker = SpeechWorker(self._play, f"voice-{name}")

    def say(self, text: str, lang: str) -> None:
        if lang not in self.languages:
            raise UnsupportedLanguage(f"no voice for language {lang!r} (configured: {', '.join(sorted(self.languages))})")
        if text.strip():
            utterance = Utterance(text, lang, time.monotonic())
            self._asked(utterance)
            self._worker.submit(utterance)

    def _asked(self, utterance: Utterance) -> None:
        """Called for each utterance accepted by `say` (the simulated speaker records it)."""

    def stop(self) -> None:
        self._worker.cancel()

    def wait_idle(self, timeout: float) -> bool:
        return self._worker.wait_idle(timeout)

    def state(self) -> SpeakerState:
        return self._worker.state()

    def close(self) -> None:
        self._worker.close()

    def _check_last_utterance(self) -> None:
        """For `probe()`: the latest utterance must have played (a failure is the output's)."""
        last_error = self.state().last_error
        if last_error:
            raise NoAudioOutput(f"last utterance failed: {last_error}")

    def _play(self, utterance: Utterance, cancelled: threading.Event, started: Callable[[], None]) -> None:
        raise NotImplementedError
