"""What a speaker is, as the station sees it: it says short, fixed guidance sentences.

The station speaks each step's instruction and each error message in the session's
language (voice guidance, 语音播报). Texts come from the UI's message catalogs, never from
a card or a form: nothing personal is ever spoken. `say()` returns at once; a worker thread
synthesises and plays, and a newer sentence cuts the one still playing, since a citizen who
moved on to the next step no longer needs the last one.

Languages are BCP 47 tags as the station's catalogs name them (`zh-Hans`, `zh-Hant`, `en`);
which voice speaks each one (Mandarin, Cantonese, English) is the backend's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Utterance:
    """One sentence asked for: its text, its language tag, and when (time.monotonic())."""

    text: str
    lang: str
    at: float


@dataclass(frozen=True, slots=True)
class SpeakerState:
    """What the speaker has done since it was built.

    `started_at` is the monotonic time the latest utterance's sound began (its player
    process was started): the benchmark measures a step change's latency against it.
    `last_error` is the latest failure's one-line, data-free reason ("" once one plays again).
    """

    speaking: bool = False
    spoken: int = 0  # played to the end
    interrupted: int = 0  # cut by a newer utterance, by stop() or by close()
    failed: int = 0
    started_at: float | None = None
    last_error: str = ""


@runtime_checkable
class Speaker(Protocol):
    """A voice backend. No call blocks the caller longer than its own bound."""

    name: str
    languages: frozenset[str]  # the language tags it has a voice for

    def say(self, text: str, lang: str) -> None:
        """Speak `text` in `lang` on the worker thread, cutting any utterance in progress.

        Returns at once. Raises UnsupportedLanguage when no voice speaks `lang`; failures
        while synthesising or playing are reported through `state()` and `probe()`.
        """

    def stop(self) -> None:
        """Silence: cut the utterance in progress and drop any waiting one."""

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is waiting or playing; False when `timeout` passed first."""

    def state(self) -> SpeakerState:
        """Counters and the latest failure (no texts: a state is logged and shown)."""

    def probe(self) -> str:
        """Cheap health check: a detail string; raises AudioError when speech cannot be heard."""

    def close(self) -> None:
        """Stop speaking and end the worker thread. Idempotent."""
