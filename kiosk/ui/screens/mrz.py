"""The MRZ dialog: a passport's chip opens only with what its photo page prints.

When the reader says `MrzRequired`, the identify step needs the document number, the birth
date and the expiry. On a station with an MRZ reader and a document camera the dialog first
asks the citizen to lay the passport open at the photo page under the camera, and reads the
machine-readable zone from its frames in a thread worker (`MrzReader`, agreement of
`MrzVote(AGREE)` frames, every check digit verified, SCAN_TIMEOUT_S at most): nothing typed.
A key the chip refuses (BAC failed) means "read again" once (CAMERA_TRIES reads in all);
then, or when nothing is read in time, the camera fails, or the citizen taps "Type it
instead", the keypad: each field typed, then the chip read again with that `MrzKey`.
A typed key the chip refuses may be corrected, MAX_TRIES times in all; then the dialog gives
up and the citizen places the document again. The key is personal: it is never logged, the
votes are cleared after each read, and the typed values are dropped when the dialog closes.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState, get_current_worker

from devices.camera.base import Camera
from devices.camera.mrz_read import MrzReader, MrzVote
from devices.card.base import Identity, MrzKey
from devices.errors import AuthenticationFailed, DeviceError, MrzRequired, MrzUnreadable
from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.widgets.keypad import KeypadMode
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

MAX_TRIES = 3
#: Camera reads of the MRZ before the keypad: the first, and one "read again" after a refused key.
CAMERA_TRIES = 2
#: Frames that must read the very same lines before the key is used.
AGREE = 2
#: Longest camera read before the keypad is offered instead.
SCAN_TIMEOUT_S = 20.0

#: The three fields: id, keypad mode, longest value (ICAO 9303: up to 22 characters of number).
FIELDS = (("number", KeypadMode.ALNUM, 22), ("birth", KeypadMode.DIGITS, 6), ("expiry", KeypadMode.DIGITS, 6))

#: What the dialog gives back: the identity read, the error that ended it, or None (cancel).
MrzOutcome = Identity | BaseException | None


def entry_problem(number: str, birth: str, expiry: str) -> str | None:
    """The message key of the first field that cannot be right, or None when all can be."""
    if not re.fullmatch(r"[0-9A-Z]{1,22}", number):
        return "mrz.error.number"
    for field, value in (("birth", birth), ("expiry", expiry)):
        if not _is_yymmdd(value):
            return f"mrz.error.{field}"
    return None


def _is_yymmdd(value: str) -> bool:
    """Six digits that make a calendar date. The century is not typed: 20YY is checked,
    which has the same 29 Februaries as 19YY but for 000229 (valid in 2000 only), and
    the chip itself refuses a date that is not the printed one."""
    if not re.fullmatch(r"\d{6}", value):
        return False
    try:
        dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return False
    return True


class MrzScreen(ModalScreen[MrzOutcome]):
    """Asks for the MRZ key and reads the document with it; see the module docstring."""

    CSS_PATH = "mrz.tcss"
    AUTO_FOCUS = "#edit-number"

    def __init__(self, read: Callable[[MrzKey], Identity], lang: Lang, *,
                 camera: Camera | None = None, reader: MrzReader | None = None) -> None:
        super().__init__()
        self.read = read
        self.lang = lang
        self.values = {field: "" for field, _, _ in FIELDS}
        self.tries = 0
        self.camera, self.reader = camera, reader
        self.scanning = camera is not None and reader is not None  # the camera phase (else: the keypad)
        self.camera_tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-camera" if self.scanning else ""):
            yield PlainStatic(t("mrz.title", self.lang), id="mrz-title")
            yield PlainStatic(t("mrz.camera", self.lang), id="mrz-camera")
            yield PlainStatic(t("mrz.instructions", self.lang), id="mrz-instructions")
            for field, _, _ in FIELDS:
                with Horizontal(classes="mrz-field"):
                    yield PlainStatic(t(f"mrz.{field}", self.lang), classes="label")
                    yield PlainButton(t("form.tap_to_enter", self.lang), id=f"edit-{field}", classes="edit")
            yield PlainStatic("", id="mrz-message")
            with Horizontal(id="mrz-actions"):
                yield PlainButton(t("nav.cancel", self.lang), id="cancel")
                yield PlainButton(t("mrz.type_instead", self.lang), id="type")
                yield PlainButton(t("mrz.read", self.lang), id="read", variant="success")

    def on_mount(self) -> None:
        if self.scanning:
            self._message(t("mrz.scanning", self.lang))
            self.scan()

    def _to_keypad(self, reason: str | None) -> None:
        """Leave the camera phase for the keypad (the scan worker stops at its next frame)."""
        self.scanning = False
        self.workers.cancel_group(self, "scan")
        self.query_one("#dialog").remove_class("-camera")
        self.query_one("#read", Button).disabled = False
        self.query_one("#edit-number", Button).focus()
        self._message(t(reason, self.lang) if reason else "", error=reason is not None)

    @work(thread=True, exit_on_error=False, name="scan_mrz", group="scan", exclusive=True)
    def scan(self) -> MrzKey:
        """Frames from the document camera until AGREE of them read the same MRZ (blocking)."""
        assert self.camera is not None and self.reader is not None
        worker, vote = get_current_worker(), MrzVote(AGREE)
        deadline = time.monotonic() + SCAN_TIMEOUT_S
        try:
            while time.monotonic() < deadline and not worker.is_cancelled:
                frame = self.camera.latest(timeout=1.0)
                agreed = vote.add(self.reader.read(frame.image))
                if agreed is not None:
                    return agreed.key()
        finally:
            vote.clear()  # the lines read are personal data
        raise MrzUnreadable("no MRZ read alike in time")

    def on_unmount(self) -> None:
        self.values.clear()  # personal data: nothing stays behind the closed dialog

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "cancel":
            self.dismiss(None)
        elif button_id == "type":
            self._to_keypad(None)
        elif button_id == "read":
            self._submit()
        elif button_id.startswith("edit-"):
            self._edit(button_id.removeprefix("edit-"))

    def _edit(self, field: str) -> None:
        _, mode, max_length = next(f for f in FIELDS if f[0] == field)

        def entered(value: str | None) -> None:
            if value is None:
                return
            self.values[field] = value
            self.query_one(f"#edit-{field}", Button).label = value or t("form.tap_to_enter", self.lang)
            self._message("")

        title = t(f"mrz.{field}", self.lang)
        self.app.push_screen(KeypadScreen(title, self.values[field], mode, max_length, self.lang), entered)

    def _submit(self) -> None:
        if self.scanning:
            return
        problem = entry_problem(self.values["number"], self.values["birth"], self.values["expiry"])
        if problem is not None:
            self._message(t(problem, self.lang), error=True)
            return
        self.query_one("#read", Button).disabled = True
        self._message(t("mrz.reading", self.lang))
        self.read_chip(MrzKey(self.values["number"], self.values["birth"], self.values["expiry"]))

    @work(thread=True, exit_on_error=False, name="read_mrz", exclusive=True)
    def read_chip(self, key: MrzKey) -> Identity:
        return self.read(key)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if event.worker.name == "scan_mrz":
            self._scanned(event.worker)
        elif event.worker.name == "read_mrz":
            self._chip_read(event.worker)

    def _scanned(self, worker: Worker) -> None:
        if not self.scanning:
            return  # the citizen chose the keypad meanwhile
        if worker.state is WorkerState.SUCCESS:
            self._message(t("mrz.reading", self.lang))
            self.read_chip(worker.result)
        elif isinstance(worker.error, DeviceError):  # nothing read in time, or the camera failed
            self._to_keypad("mrz.camera_failed")
        else:
            raise worker.error  # a programming error: let the app show it

    def _chip_read(self, worker: Worker) -> None:
        if worker.state is WorkerState.SUCCESS:
            self.dismiss(worker.result)
            return
        error = worker.error
        refused = isinstance(error, AuthenticationFailed) and not isinstance(error, MrzRequired)
        if self.scanning and refused:  # the camera's key was refused: read again, then type
            self.camera_tries += 1
            if self.camera_tries < CAMERA_TRIES:
                self._message(t("mrz.read_again", self.lang), error=True)
                self.scan()
            else:
                self._to_keypad("mrz.camera_refused")
            return
        self.tries += 1
        if not refused or self.tries >= MAX_TRIES:  # the reader's trouble, or too many tries
            self.dismiss(error)
            return
        self.query_one("#read", Button).disabled = False
        self._message(t("mrz.wrong", self.lang, left=MAX_TRIES - self.tries), error=True)

    def _message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#mrz-message", Static)
        message.update(text)
        message.set_class(error, "-error")
