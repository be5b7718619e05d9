"""Identify: place an identity document on the reader (or, in the demo, tap a sample).

With several readers (`[card] backends`) one may be down while the other works: the
instructions then say which documents can be read right now. The screen re-reads that
every second from the reader's own state (no device I/O on the UI thread).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from devices.card.base import Capability
from devices.card.composite import out_of_service
from kiosk.domain.flow import Step
from kiosk.domain.masking import mask_identity_name
from kiosk.ui.messages import CardReadFailed, CardReading
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

#: The readers a citizen's document needs, in the order their absence is told.
_CITIZEN_READERS = (Capability.EMRTD, Capability.RESIDENT_ID)
READERS_CHECK_S = 1.0


class IdentifyScreen(KioskScreen):
    STEP = Step.IDENTIFY
    CSS_PATH = "identify.tcss"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="reader"):
            yield PlainStatic(self.t("identify.title"), id="title")
            yield PlainStatic(self.t("identify.instructions"), id="instructions")
            yield PlainStatic(self.t("identify.waiting"), id="status")
        demo = self.station.demo
        if demo is not None:
            with Vertical(id="demo"):
                yield PlainStatic(self.t("identify.demo"), id="demo-title")
                with Grid(id="samples"):
                    for label, identity in demo.samples.items():
                        text = f"{self.t(f'doc.{identity.kind.value}')}\n{mask_identity_name(identity.name, identity.latin_name)}"
                        yield PlainButton(text, id=f"sample-{label}", classes="sample")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.cancel"), id="back")

    def on_mount(self) -> None:
        if "card" in self.station.unavailable():  # known down: say so instead of waiting forever
            self._status(self.t("identify.error.device"), error=True)
        self._show_readers()
        self.set_interval(READERS_CHECK_S, self._show_readers)

    def _show_readers(self) -> None:
        """The usual instructions, or which reader is out and what to use instead."""
        missing = [c for c in _CITIZEN_READERS if c & out_of_service(self.station.card)]
        working = len(missing) < len(_CITIZEN_READERS)
        keys = [f"identify.reader_down.{c.name.lower()}" for c in missing] if working else []
        instructions = self.query_one("#instructions", Static)
        instructions.update("\n".join(self.t(k) for k in keys) or self.t("identify.instructions"))
        instructions.set_class(bool(keys), "-warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "back":
            self.kiosk.end_session()
        elif button_id.startswith("sample-") and self.station.demo is not None:
            self.station.demo.insert(self.station.demo.samples[button_id.removeprefix("sample-")])

    def on_card_reading(self, _: CardReading) -> None:
        self._status(self.t("identify.reading"), error=False)

    def on_card_read_failed(self, message: CardReadFailed) -> None:
        self._status(self.t(message.reason), error=True)

    def _status(self, text: str, *, error: bool) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")
