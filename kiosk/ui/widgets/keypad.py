"""An on-screen keypad: the station has no keyboard, so numbers, phones and dates are tapped."""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainButton


class KeypadMode(enum.StrEnum):
    DIGITS = "digits"
    DATE = "date"  # digits; the value is shown and returned as YYYY-MM-DD
    ALNUM = "alnum"  # digits and capital letters (codes such as credit codes)
    AMOUNT = "amount"  # digits and a decimal point (money)


BACK = "back"
CLEAR = "clear"
POINT = "."


class Keypad(Grid):
    """A grid of big keys; posts `Keypad.Pressed` with the key's character or BACK/CLEAR."""

    DEFAULT_CSS = """
    Keypad { grid-size: 3; grid-gutter: 0 1; height: auto; width: 26; }
    Keypad.-alnum { grid-size: 10; width: 89; }
    Keypad Button { min-width: 8; width: 8; }
    Keypad.-alnum Button { min-width: 8; width: 8; }
    """

    @dataclass
    class Pressed(Message):
        """A key was tapped (or typed)."""

        key: str

    def __init__(self, mode: KeypadMode, lang: Lang) -> None:
        super().__init__(classes=f"-{mode.value}")
        self.mode = mode
        self.lang = lang

    def compose(self) -> ComposeResult:
        if self.mode is KeypadMode.ALNUM:
            keys = list(string.digits[1:] + "0" + string.ascii_uppercase)
        elif self.mode is KeypadMode.AMOUNT:
            keys = list("123456789") + [POINT, "0"]
        else:
            keys = list("123456789") + [CLEAR, "0"]
        for key in keys:
            label = t("keypad.clear", self.lang) if key == CLEAR else key
            yield _key(label, "point" if key == POINT else key)
        yield _key(t("keypad.back", self.lang), BACK, variant="warning")
        if self.mode is KeypadMode.ALNUM:
            yield _key(t("keypad.clear", self.lang), CLEAR)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        key = event.button.id.removeprefix("key-")
        self.post_message(self.Pressed(POINT if key == "point" else key))


def _key(label: str, key: str, variant: str = "default") -> Button:
    """A key that takes every tap: a Button ignores taps during its 0.2 s pressed flash,
    which would drop the second "0" of "00" typed quickly (the typed value shows anyway)."""
    button = PlainButton(label, id=f"key-{key}", classes="key", variant=variant)  # type: ignore[arg-type]
    button.active_effect_duration = 0
    return button
