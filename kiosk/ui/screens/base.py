"""What every step screen shares: a header with the step and the station, the access bar
(language, high contrast, call for help), the idle banner, elderly mode's class, and voice
guidance.

Voice guidance lives here, once for every step: when a screen is shown (and shown again in
another language) it speaks its `spoken_instruction()`, and an error message it shows is
spoken too; both only while the session's `voice` flag is on. Screens fetch every text
through `t()`, so fetching an error message (`kiosk.ui.speech`) is the moment it is shown,
and that is where it is caught: the errors a screen shows in one go are spoken as one,
the first. Speaking never blocks (the speaker's own thread plays) and never fails a step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen

from devices.errors import DeviceError
from kiosk.domain.flow import Step
from kiosk.domain.session import CitizenSession
from kiosk.station import Station
from kiosk.ui.widgets.access_bar import AccessBar
from kiosk.ui.speech import instruction_key, spoken_error_key
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp
    from kiosk.ui.widgets.voice_toggle import VoiceToggle

log = logging.getLogger(__name__)


class KioskScreen(Screen[None]):
    """A citizen step. Subclasses set `STEP` and write `compose_body`."""

    STEP: ClassVar[Step]
    AUTO_FOCUS = "Button"
    #: Whether the access bar offers the language switch (not where redoing the step would
    #: redo its work: submitting, printing).
    LANGUAGE_SWITCH: ClassVar[bool] = True
    _error_to_speak: str | None = None  # an error shown since the last refresh, to be spoken

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def session(self) -> CitizenSession:
        return self.kiosk.session

    @property
    def station(self) -> Station:
        return self.kiosk.station

    def t(self, key: str, /, **values: object) -> str:
        """A message in the session's language; an error message is spoken as well."""
        text = self.kiosk.t(key, **values)
        spoken = spoken_error_key(key)
        if spoken is not None and self._error_to_speak is None:
            self._error_to_speak = self.kiosk.t(spoken, **values) if spoken != key else text
            self.call_after_refresh(self._speak_error)
        return text

    def compose(self) -> ComposeResult:
        with Horizontal(classes="step-header"):
            yield PlainStatic(self.t(f"step.{self.STEP.value}"), classes="step-title")
            yield PlainStatic(self.station.info.name, classes="station-name")
        yield AccessBar(self.session.lang, languages=self.LANGUAGE_SWITCH)
        yield from self.compose_body()
        yield IdleBanner(self.session.lang)
        if self.is_mounted:  # composed again (the language changed): say it in the new one
            self.call_after_refresh(self.speak_instruction)

    def on_mount(self) -> None:
        self.set_class(self.session.elderly, "-elderly")
        self.speak_instruction()

    def compose_body(self) -> ComposeResult:
        """The step's own widgets, between the header and the idle banner."""
        return iter(())

    # --- voice guidance ----------------------------------------------------------------

    def spoken_instruction(self) -> str:
        """What this step says when it is shown (override for a step whose words depend on state)."""
        return self.kiosk.t(instruction_key(self.STEP.value))

    def speak_instruction(self) -> None:
        self.speak(self.spoken_instruction())

    def speak(self, text: str) -> None:
        """Say `text` in the session's language, if this station has a voice and it is on."""
        voice = self.station.voice
        if voice is None or not self.session.voice:
            return
        try:
            voice.say(text, self.session.lang.value)
        except DeviceError as exc:  # a missing voice is the config's trouble, not the citizen's
            log.warning("voice: %s", exc)

    def _speak_error(self) -> None:
        text, self._error_to_speak = self._error_to_speak, None
        if text:
            self.speak(text)

    def on_voice_toggle_changed(self, message: VoiceToggle.Changed) -> None:
        self.session.voice = message.on
        if message.on:
            self.speak_instruction()
        elif self.station.voice is not None:
            self.station.voice.stop()
