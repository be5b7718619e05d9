"""Call for help: the hotline, large, and a help request sent to the staff.

Every citizen screen has the button (issue 15). The request carries the kind, the step and
the time only (`kiosk.domain.help_request`); the app hands it to the station's
`help_requests` port in a thread worker, which queues it through the outbox.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.bigtext import BigText
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class HelpScreen(ModalScreen[None]):
    """The hotline in large digits; "close" goes back to the step, nothing lost."""

    CSS_PATH = "dialog.tcss"
    AUTO_FOCUS = "#close"

    def __init__(self, hotline: str, lang: Lang) -> None:
        super().__init__()
        self.hotline = hotline
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(t("help.title", self.lang), id="help-title")
            yield PlainStatic(t("help.call", self.lang), id="help-call")
            with Center():
                yield BigText(self.hotline, id="hotline")
            yield PlainStatic(t("help.sent", self.lang), id="help-status")
            with Horizontal(classes="dialog-actions"):
                yield PlainButton(t("help.close", self.lang), id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
