"""The keypad dialog: edit one number, phone, date or code field with taps (or keys)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.keypad import BACK, CLEAR, POINT, Keypad, KeypadMode
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


def format_value(raw: str, mode: KeypadMode) -> str:
    """What a citizen sees and the form stores: dates grouped as YYYY-MM-DD."""
    if mode is not KeypadMode.DATE:
        return raw
    return "-".join(part for part in (raw[:4], raw[4:6], raw[6:8]) if part)


def _amount_typed(raw: str, key: str) -> str:
    """An amount after one more key: no leading zero ("0" then "5" is "5"), "." alone is "0."."""
    if key == POINT:
        return (raw or "0") + POINT
    return key if raw == "0" else raw + key


class KeypadScreen(ModalScreen[str | None]):
    """Returns the new value on OK, None on cancel."""

    CSS_PATH = "keypad.tcss"
    AUTO_FOCUS = "#ok"

    def __init__(self, title: str, value: str, mode: KeypadMode, max_length: int, lang: Lang) -> None:
        super().__init__()
        self.title_text = title
        self.mode = mode
        self.lang = lang
        self.max_length = 8 if mode is KeypadMode.DATE else max_length
        self.raw = value.replace("-", "") if mode is KeypadMode.DATE else value
        self.raw = self.raw[: self.max_length]
        #: The value shown on opening is "selected": the first key typed replaces it, as a
        #: citizen expects (finding 6: `0` then `3000` was sent as `03000`); Delete edits it.
        self.replace_on_type = bool(self.raw)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes=f"-{self.mode.value}"):
            yield PlainStatic(self.title_text, id="keypad-title")
            yield PlainStatic(self._shown(), id="keypad-value")
            yield Keypad(self.mode, self.lang)
            with Horizontal(id="keypad-actions"):
                yield PlainButton(t("keypad.cancel", self.lang), id="cancel")
                yield PlainButton(t("keypad.ok", self.lang), id="ok", variant="success")

    def _shown(self) -> str:
        if not self.raw:
            return t(f"keypad.placeholder.{self.mode.value}", self.lang)
        return format_value(self.raw, self.mode)

    def _press(self, key: str) -> None:
        if self.replace_on_type and key not in (BACK, CLEAR):
            self.raw = ""
        self.replace_on_type = False
        if key == BACK:
            self.raw = self.raw[:-1]
        elif key == CLEAR:
            self.raw = ""
        elif len(self.raw) < self.max_length and self._takes(key):
            self.raw = _amount_typed(self.raw, key) if self.mode is KeypadMode.AMOUNT else self.raw + key
        self.query_one("#keypad-value", Static).update(self._shown())

    def _takes(self, key: str) -> bool:
        """An amount takes one decimal point and two decimals after it."""
        if self.mode is not KeypadMode.AMOUNT:
            return key != POINT
        whole, point, decimals = self.raw.partition(POINT)
        return not (key == POINT and point) and len(decimals) < 2

    def accept(self) -> None:
        """OK: hand the value back."""
        self.dismiss(format_value(self.raw, self.mode))

    def on_keypad_pressed(self, message: Keypad.Pressed) -> None:
        self._press(message.key)

    def on_key(self, event: events.Key) -> None:
        """Keyboard use: type characters, backspace, escape to cancel (enter presses OK)."""
        char = (event.character or "").upper()
        allowed = (
            char.isdigit()
            or (self.mode is KeypadMode.ALNUM and char.isalpha() and char.isascii())
            or (self.mode is KeypadMode.AMOUNT and char == POINT)
        )
        if event.key == "backspace":
            self._press(BACK)
        elif event.key == "escape":
            self.dismiss(None)
        elif len(char) == 1 and allowed:
            self._press(char)
        else:
            return
        event.stop()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.accept()
        elif event.button.id == "cancel":
            self.dismiss(None)
