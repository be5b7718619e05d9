"""Consent to the face check: asked on its own, before the camera facing the citizen looks.

Face data is sensitive personal information (PIPL art. 28-29): the citizen is told what is
compared, that nothing of the face is kept or sent (only whether it matched), and agrees
separately from the submission's consent. Declining drops the face-checked service and
goes back to the choice of services; nothing has been seen by the camera.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from kiosk.domain.flow import Step
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class FaceConsentScreen(KioskScreen):
    STEP = Step.FACE_CONSENT
    CSS_PATH = "face.tcss"
    AUTO_FOCUS = "#agree"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="face-card"):
            yield PlainStatic(self.t("face.consent.title"), id="face-title")
            yield PlainStatic(self.t("face.consent.text"), id="face-text")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("face.consent.decline"), id="decline", variant="error")
            yield PlainButton(self.t("face.consent.agree"), id="agree", variant="success")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "agree":
            self.session.face_consent = True
            self.kiosk.advance()
        elif event.button.id == "decline":
            self.session.service = None  # no face check, no face-checked service
            self.session.face_consent = False
            self.kiosk.goto(Step.CHOOSE)
