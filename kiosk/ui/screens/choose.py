"""Choose a service from the active catalog; those this citizen or station can't do are greyed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button

from kiosk.domain.catalog import Catalog
from kiosk.domain.flow import Step, service_options
from kiosk.ui.i18n import promise_text
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class ChooseScreen(KioskScreen):
    STEP = Step.CHOOSE
    CSS_PATH = "choose.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.catalog: Catalog | None = None

    def compose_body(self) -> ComposeResult:
        self.catalog = self.station.catalog()
        lang = self.session.lang
        yield PlainStatic(self.t("choose.title"), id="title")
        if self.catalog is None:  # no signed catalog installed yet: say so, offer nothing
            yield PlainStatic(self.t("choose.none"), id="no-catalog")
            options = []
        else:
            options = service_options(self.catalog, self.session.identity, self.station.unavailable(),
                                      face_check=self.station.face is not None)
        with VerticalScroll(id="services"), Grid(id="service-grid"):
            for option in options:
                service = option.service
                detail = self.t(option.reason) if option.reason else promise_text(service.promise, lang)
                yield PlainButton(
                    f"{service.name.get(lang)}\n{detail}",
                    id=f"service-{service.code}",
                    classes="service",
                    disabled=not option.enabled,
                )
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.back"), id="back")
            yield PlainButton(self.t("nav.cancel"), id="cancel", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "back":
            self.kiosk.back()
        elif button_id == "cancel":
            self.kiosk.end_session()
        elif button_id.startswith("service-") and self.catalog is not None:
            self.session.choose_service(self.catalog.service(button_id.removeprefix("service-")), self.catalog.version)
            self.kiosk.advance()
