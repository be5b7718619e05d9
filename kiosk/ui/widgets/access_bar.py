"""The row every citizen screen has under its header: language, high contrast, call for help.

Its buttons act on the app directly (and stop their event), so no step screen has to know
about them: switching the language keeps the session (`KioskApp.switch_language`), the
contrast toggle changes the theme for everyone until the session ends, and "Call for help"
opens the hotline dialog and reports the request (`KioskApp.call_for_help`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.widgets.plain import PlainButton

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

#: Each language's short name on the switch, in that language.
SHORT_NAMES = {Lang.ZH_HANS: "简", Lang.ZH_HANT: "繁", Lang.EN: "EN"}


class AccessBar(Horizontal):
    """One row of compact buttons; `languages=False` where a switch would redo the step's work."""

    DEFAULT_CSS = """
    AccessBar { height: 1; width: 100%; align: right middle; }
    AccessBar Button { margin: 0 0 0 1; min-width: 4; }
    AccessBar #call-help { min-width: 12; }
    """

    def __init__(self, lang: Lang, *, languages: bool = True) -> None:
        super().__init__(id="access-bar")
        self.lang = lang
        self.languages = languages

    def compose(self) -> ComposeResult:
        if self.languages:
            for option, name in SHORT_NAMES.items():
                yield PlainButton(
                    name, id=f"switch-{option.value}", compact=True, variant="primary" if option is self.lang else "default"
                )
        yield PlainButton(t("access.contrast", self.lang), id="contrast", compact=True)
        yield PlainButton(t("help.button", self.lang), id="call-help", compact=True, variant="warning")

    def on_mount(self) -> None:
        # Taps only: the keyboard's Tab and a screen's first focus stay on the step's own
        # controls (a focused "简" would take the Enter meant for the step).
        for button in self.query(Button):
            button.can_focus = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        app = cast("KioskApp", self.app)
        button_id = event.button.id or ""
        if button_id.startswith("switch-"):
            app.switch_language(Lang(button_id.removeprefix("switch-")))
        elif button_id == "contrast":
            app.toggle_contrast()
        elif button_id == "call-help":
            app.call_for_help()
