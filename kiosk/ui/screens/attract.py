"""Attract: what an idle station shows. A citizen starts by choosing a language.

Placing a card also starts a session (in the default language). Tapping the station's
name five times quickly asks for the technician PIN, the touch-only way out.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.events import Click
from textual.widgets import Button, Static

from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

#: Each language's own name, shown on its button in that language.
LANGUAGE_NAMES = {Lang.ZH_HANS: "简体中文", Lang.ZH_HANT: "繁體中文", Lang.EN: "English"}
TECHNICIAN_TAPS = 5
TECHNICIAN_WINDOW_S = 3.0
UNAVAILABLE_REFRESH_S = 2.0


class AttractScreen(KioskScreen):
    STEP = Step.ATTRACT
    CSS_PATH = "attract.tcss"

    def __init__(self) -> None:
        super().__init__()
        self._taps: list[float] = []

    def compose_body(self) -> ComposeResult:
        lang = self.session.lang
        with Vertical(id="welcome"):
            yield PlainStatic(self.t("attract.title"), id="title")
            yield PlainStatic(self.t("attract.subtitle"), id="subtitle")
            with Horizontal(id="languages"):
                for option, name in LANGUAGE_NAMES.items():
                    yield PlainButton(name, id=f"lang-{option.value}", variant="primary" if option is lang else "default")
            yield PlainButton(
                self.t("access.elderly"), id="elderly", variant="warning" if self.session.elderly else "default"
            )
            yield PlainStatic(
                "\n".join(t("attract.start_hint", option) for option in LANGUAGE_NAMES), id="start-hint"
            )
            yield PlainStatic(self._unavailable_text(), id="unavailable")
        with Center(id="station-footer"):
            yield PlainStatic(
                self.t("attract.footer", address=self.station.info.address, hotline=self.station.info.hotline),
                id="station-info",
            )

    def on_mount(self) -> None:
        self.set_interval(UNAVAILABLE_REFRESH_S, self._refresh_unavailable)

    def _unavailable_text(self) -> str:
        down = sorted(self.station.unavailable())
        if not down:
            return ""
        names = self.t("list.separator").join(self.t(f"device.{kind}") for kind in down)
        return self.t("attract.unavailable", devices=names)

    def _refresh_unavailable(self) -> None:
        """A printer can run out of paper while nobody is there: say so before a session."""
        self.query_one("#unavailable", Static).update(self._unavailable_text())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "elderly":
            self._toggle_elderly(event.button)
        elif event.button.id and event.button.id.startswith("lang-"):
            self.session.lang = Lang(event.button.id.removeprefix("lang-"))
            self.kiosk.goto(Step.IDENTIFY)

    def _toggle_elderly(self, button: Button) -> None:
        """长辈模式: bigger targets and text by layout, one decision per screen, a longer
        idle time, and the voice on (the voice helper speaks when `session.voice`)."""
        self.session.elderly = not self.session.elderly
        self.session.voice = self.session.elderly
        button.variant = "warning" if self.session.elderly else "default"
        self.set_class(self.session.elderly, "-elderly")

    def on_click(self, event: Click) -> None:
        """Five taps on the station's name within a few seconds: technician PIN."""
        if event.widget is None or "station-name" not in event.widget.classes:
            return
        now = time.monotonic()
        self._taps = [tap for tap in self._taps if now - tap < TECHNICIAN_WINDOW_S] + [now]
        if len(self._taps) >= TECHNICIAN_TAPS:
            self._taps.clear()
            self.kiosk.action_technician()
