"""The technician PIN dialog: the only way out of kiosk mode.

The PIN is checked by the station's verifier (a slow hash compare) in a thread worker;
the digits are shown as dots and dropped when the dialog closes. After five wrong PINs
the dialog refuses further tries for a minute, so guessing at the screen is slow.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import work
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.widgets.keypad import KeypadMode

MAX_TRIES = 5
LOCKOUT_S = 60.0


class PinScreen(KeypadScreen):
    """Dismisses with True when the PIN verifies, False/None on cancel."""

    _failures = 0  # shared by every PinScreen of the process: closing does not reset it
    _locked_until = 0.0

    def __init__(self, verify: Callable[[str], bool], lang: Lang) -> None:
        super().__init__(t("pin.title", lang), "", KeypadMode.DIGITS, 12, lang)
        self.verify = verify

    def _shown(self) -> str:
        return "●" * len(self.raw) if self.raw else t("pin.placeholder", self.lang)

    def accept(self) -> None:
        if time.monotonic() < PinScreen._locked_until:
            self._message("pin.locked")
            return
        self.check(self.raw)

    @work(thread=True, exit_on_error=False, name="verify_pin", exclusive=True)
    def check(self, pin: str) -> bool:
        return self.verify(pin)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "verify_pin" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.raw = ""
        if event.state is WorkerState.SUCCESS and event.worker.result:
            PinScreen._failures = 0
            self.dismiss(True)
            return
        PinScreen._failures += 1
        if PinScreen._failures >= MAX_TRIES:
            PinScreen._failures = 0
            PinScreen._locked_until = time.monotonic() + LOCKOUT_S
            self._message("pin.locked")
        else:
            self._message("pin.wrong")

    def _message(self, key: str) -> None:
        self.query_one("#keypad-value", Static).update(t(key, self.lang))
