"""What every step screen shares: a header with the step and the station, the idle banner."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen

from kiosk.domain.flow import Step
from kiosk.domain.session import CitizenSession
from kiosk.station import Station
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


class KioskScreen(Screen[None]):
    """A citizen step. Subclasses set `STEP` and write `compose_body`."""

    STEP: ClassVar[Step]
    AUTO_FOCUS = "Button"

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
        yield from self.compose_body()
        yield IdleBanner(self.session.lang)

    def compose_body(self) -> ComposeResult:
        """The step's own widgets, between the header and the idle banner."""
        return iter(())
