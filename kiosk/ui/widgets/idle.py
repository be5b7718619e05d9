"""The idle countdown banner: shown for the last seconds before a session is wiped."""

from __future__ import annotations

import math

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainStatic


class IdleBanner(PlainStatic):
    """Hidden until the app's idle check says the session is about to end."""

    DEFAULT_CSS = """
    IdleBanner {
        dock: top;
        height: 3;
        width: 100%;
        display: none;
        content-align: center middle;
        text-style: bold;
        background: $warning;
        color: $text;
    }
    IdleBanner.-shown { display: block; }
    """

    def __init__(self, lang: Lang) -> None:
        super().__init__("")
        self.lang = lang

    def countdown(self, remaining_s: float | None) -> None:
        """Show the seconds left (rounded up), or hide with None."""
        if remaining_s is None:
            self.remove_class("-shown")
            return
        self.update(t("idle.warning", self.lang, seconds=math.ceil(remaining_s)))
        self.add_class("-shown")
