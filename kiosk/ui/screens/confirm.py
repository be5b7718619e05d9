"""Confirm identity: show just enough (masked) for the citizen to recognise their document."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from kiosk.domain.flow import Step
from kiosk.domain.masking import mask_date, mask_id_number, mask_identity_name
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class ConfirmScreen(KioskScreen):
    STEP = Step.CONFIRM
    CSS_PATH = "confirm.tcss"
    AUTO_FOCUS = "#yes"

    def compose_body(self) -> ComposeResult:
        identity = self.session.identity
        assert identity is not None, "confirm is reached only with an identity"
        rows = (
            ("confirm.document", self.t(f"doc.{identity.kind.value}")),
            ("confirm.name", mask_identity_name(identity.name, identity.latin_name)),
            ("confirm.id_number", mask_id_number(identity.id_number, identity.kind.value)),
            ("confirm.birth_date", mask_date(identity.birth_date)),
        )
        with Vertical(id="card"):
            yield PlainStatic(self.t("confirm.title"), id="title")
            for key, value in rows:
                with Horizontal(classes="row"):
                    yield PlainStatic(self.t(key), classes="label")
                    yield PlainStatic(value, classes="value")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("confirm.not_me"), id="not-me", variant="error")
            yield PlainButton(self.t("confirm.yes"), id="yes", variant="success")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.session.identity_confirmed = True
            self.kiosk.advance()
        elif event.button.id == "not-me":
            self.session.wipe(keep_lang=True)
            self.kiosk.goto(Step.IDENTIFY)
