"""The voice toggle: one tap turns voice guidance on or off for this session.

It shows its state in the session's language ("语音播报：开") and posts `VoiceToggle.Changed`;
the screen it sits on (`KioskScreen`) sets the session's flag and starts or stops the
speech. The toggle never touches the speaker itself, so it works on any screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.widgets import Button

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainButton


class VoiceToggle(PlainButton):
    """Voice guidance on/off; `on` is the session's `voice` flag when the screen was built."""

    @dataclass
    class Changed(Message):
        """The citizen turned voice guidance on (True) or off (False)."""

        on: bool

    def __init__(self, on: bool, lang: Lang, **options: Any) -> None:
        self.on = on
        self.lang = lang
        options.setdefault("id", "voice-toggle")
        super().__init__(self._text(), **options)
        self.set_class(on, "-on")

    def _text(self) -> str:
        return t("voice.toggle.on" if self.on else "voice.toggle.off", self.lang)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()  # the screen's own button handler never sees the toggle
        self.on = not self.on
        self.label = self._text()
        self.set_class(self.on, "-on")
        self.post_message(self.Changed(self.on))
