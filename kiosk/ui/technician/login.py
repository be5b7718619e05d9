"""Technician login: a badge tap on the card reader, or the PIN on the on-screen keypad.

The gate (lockout, idle) decides; the argon2 checks and the badge read are slow, so they
run on a thread worker. While this dialog is open the app hands card events here instead
of starting a citizen session (see `KioskApp.on_card_changed`).
"""

from __future__ import annotations

import math

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from devices.card.base import CardEventKind
from devices.errors import DeviceError
from kiosk.domain.i18n_text import Lang
from kiosk.technician.gate import LoginOutcome, LoginResult
from kiosk.technician.ops import TechnicianOps
from kiosk.ui.messages import CardChanged
from kiosk.ui.technician.text import tt
from kiosk.ui.widgets.keypad import BACK, CLEAR, Keypad, KeypadMode
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

MAX_PIN = 16


class TechnicianLoginScreen(ModalScreen[bool]):
    """Dismisses with True once a badge or PIN opened a session; False on cancel."""

    CSS_PATH = "technician.tcss"
    TECHNICIAN_MODE = True
    AUTO_FOCUS = "#login-ok"

    def __init__(self, ops: TechnicianOps, lang: Lang) -> None:
        super().__init__(classes="technician-dialog")
        self.ops = ops
        self.lang = lang
        self.raw = ""

    def t(self, key: str, /, **values: object) -> str:
        return tt(key, self.lang, **values)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(self.t("login.title"), id="login-title")
            yield PlainStatic(self.t("login.prompt"), id="login-prompt")
            yield PlainStatic(self.t("login.placeholder"), id="login-pin")
            yield Keypad(KeypadMode.DIGITS, self.lang)
            with Horizontal(classes="dialog-actions"):
                yield PlainButton(self.t("login.cancel"), id="login-cancel")
                yield PlainButton(self.t("login.ok"), id="login-ok", variant="success")
            yield PlainStatic("", id="login-message")

    def on_mount(self) -> None:
        left = self.ops.gate.locked_for()
        if left:
            self._say(self.t("login.locked", minutes=math.ceil(left / 60)))

    def _say(self, text: str) -> None:
        self.query_one("#login-message", Static).update(text)

    def _show_pin(self) -> None:
        self.query_one("#login-pin", Static).update("●" * len(self.raw) if self.raw else self.t("login.placeholder"))

    # --- PIN -----------------------------------------------------------------------

    def _press(self, key: str) -> None:
        if key == BACK:
            self.raw = self.raw[:-1]
        elif key == CLEAR:
            self.raw = ""
        elif key.isdigit() and len(self.raw) < MAX_PIN:
            self.raw += key
        self._show_pin()

    def on_keypad_pressed(self, message: Keypad.Pressed) -> None:
        message.stop()
        self._press(message.key)

    def on_key(self, event: events.Key) -> None:
        """A technician may plug in a keyboard: digits, backspace, enter, escape."""
        if event.key == "backspace":
            self._press(BACK)
        elif event.key == "escape":
            self.dismiss(False)
        elif event.key == "enter":
            self._submit_pin()
        elif event.character and event.character in "0123456789":
            self._press(event.character)
        else:
            return
        event.stop()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "login-ok":
            self._submit_pin()
        elif event.button.id == "login-cancel":
            self.dismiss(False)

    def _submit_pin(self) -> None:
        if not self.raw:
            return
        pin, self.raw = self.raw, ""
        self._show_pin()
        self._say(self.t("login.checking"))
        self._check(lambda: self.ops.gate.login_pin(pin))

    # --- badge ---------------------------------------------------------------------

    def on_card_changed(self, message: CardChanged) -> None:
        """Posted here by the app while this dialog is open."""
        message.stop()
        if message.event.kind is CardEventKind.INSERTED:
            self._say(self.t("login.checking"))
            self._check(self._badge_login)

    def _badge_login(self) -> LoginResult | str:
        try:
            badge = self.ops.card.read_badge()
        except DeviceError as exc:
            return self.t("login.badge_unreadable", reason=type(exc).__name__)
        return self.ops.gate.login_badge(badge.uid)

    # --- outcome -------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, name="technician-login")
    def _check(self, attempt) -> LoginResult | str:
        return attempt()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "technician-login":
            return
        if event.state is WorkerState.ERROR:
            self._say(f"{type(event.worker.error).__name__}")
            return
        if event.state is not WorkerState.SUCCESS:
            return
        result = event.worker.result
        if isinstance(result, str):
            self._say(result)
        elif result.ok:
            self.dismiss(True)
        elif result.outcome is LoginOutcome.LOCKED and result.state_problem:  # fail closed: say why
            problem = self.t(f"login.state_{result.state_problem}")
            self._say(self.t("login.locked_state", minutes=math.ceil(result.locked_for_s / 60), problem=problem))
        elif result.outcome is LoginOutcome.LOCKED:
            self._say(self.t("login.locked", minutes=math.ceil(result.locked_for_s / 60)))
        else:
            self._say(self.t("login.wrong", tries=result.tries_left))
