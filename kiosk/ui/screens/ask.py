"""A yes/no question over the current step: a destructive tap (cancel) is asked once more.

Finding 2 of issue 15: "Cancel" between "back" and "submit" threw the whole session away in
one tap. The safe answer ("continue") has the focus, so a stray Enter keeps the session.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class AskScreen(ModalScreen[bool]):
    """Dismisses with True ("yes, end it") or False ("no, continue")."""

    CSS_PATH = "dialog.tcss"
    AUTO_FOCUS = "#stay"

    def __init__(self, question_key: str, lang: Lang) -> None:
        super().__init__()
        self.question_key = question_key
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(t(self.question_key, self.lang), id="question")
            with Horizontal(classes="dialog-actions"):
                yield PlainButton(t("cancel.leave", self.lang), id="leave", variant="error")
                yield PlainButton(t("cancel.stay", self.lang), id="stay", variant="success")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "leave")
