"""Take your card: shown when a session ends while the citizen's document is still on the reader.

Certificate kiosks elsewhere say "カードをお取りください" with a sound and wait; so does this
one (issue 15, finding 1). The dialog stays over the attract screen, so the next citizen
cannot start, until the reader reports the card gone; the app closes it then.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainStatic


class TakeCardScreen(ModalScreen[None]):
    """No buttons: only taking the card (a reader event) closes it."""

    CSS_PATH = "dialog.tcss"

    def __init__(self, lang: Lang, *, originals: bool) -> None:
        super().__init__()
        self.lang = lang
        self.originals = originals

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(t("take.title", self.lang), id="take-title")
            if self.originals:
                yield PlainStatic(t("take.originals", self.lang), id="take-originals")
            yield PlainStatic(t("take.waiting", self.lang), id="take-waiting")

    def on_mount(self) -> None:
        self.app.bell()  # the chime: the terminal bell (the audio device's chime once it exists)
