"""What every step screen shares: a header with the step and the station, the access bar
(language, high contrast, call for help), the idle banner, and elderly mode's class."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen

from kiosk.domain.flow import Step
from kiosk.domain.session import CitizenSession
from kiosk.station import Station
from kiosk.ui.widgets.access_bar import AccessBar
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


class KioskScreen(Screen[None]):
    """A citizen step. Subclasses set `STEP` and write `compose_body`."""

    STEP: ClassVar[Step]
    AUTO_FOCUS = "Button"
    #: Whether the access bar offers the language switch (not where redoing the step would
    #: redo its work: submitting, printing).
    LANGUAGE_SWITCH: ClassVar[bool] = True

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def session(self) -> CitizenSession:
        return self.kiosk.session

    @property
    def station(self) -> Station:
        return self.kiosk.station

    def t(self, key: str, /, **values: object) -> str:
        return self.kiosk.t(key, **values)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="step-header"):
            yield PlainStatic(self.t(f"step.{self.STEP.value}"), classes="step-title")
            yield PlainStatic(self.station.info.name, classes="station-name")
        yield AccessBar(self.session.lang, languages=self.LANGUAGE_SWITCH)
        yield from self.compose_body()
        yield IdleBanner(self.session.lang)

    def on_mount(self) -> None:
        self.set_class(self.session.elderly, "-elderly")

    def compose_body(self) -> ComposeResult:
        """The step's own widgets, between the header and the idle banner."""
        return iter(())
