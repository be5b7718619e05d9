"""Review and consent: everything that will be sent (masked where it came from the card)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox

from kiosk.domain.flow import Step, page_slots
from kiosk.domain.form import shown_value
from kiosk.domain.masking import mask_id_number, mask_identity_name
from kiosk.ui.i18n import promise_text
from kiosk.ui.plain import plain
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


class ReviewScreen(KioskScreen):
    STEP = Step.REVIEW
    CSS_PATH = "review.tcss"
    AUTO_FOCUS = "#consent"

    def compose_body(self) -> ComposeResult:
        session, lang = self.session, self.session.lang
        service, identity = session.service, session.identity
        assert service is not None and identity is not None
        rows = [
            (self.t("review.service"), service.name.get(lang)),
            (self.t("review.promise"), promise_text(service.promise, lang)),
            (self.t("confirm.name"), mask_identity_name(identity.name, identity.latin_name)),
            (self.t("confirm.id_number"), mask_id_number(identity.id_number, identity.kind.value)),
        ]
        for form_field in service.fields:
            if form_field.prefill in ("identity.name", "identity.id_number"):
                continue  # already shown above
            value = session.form.get(form_field.id, "")
            rows.append((form_field.label.get(lang), shown_value(form_field, value, lang, identity) or self.t("review.empty")))
        for slot in page_slots(service):
            page = self.t("review.page", page=slot.page, pages=slot.pages) if slot.pages > 1 else ""
            rows.append((self.t("review.document"), f"✔ {slot.label.get(lang)} {page}".rstrip()))
        with VerticalScroll(id="summary"):
            for label, value in rows:
                with Horizontal(classes="row"):
                    yield PlainStatic(label, classes="label")
                    yield PlainStatic(value, classes="value")
        yield PlainStatic(self.t("review.consent_text"), id="consent-text")
        yield Checkbox(plain(self.t("review.consent")), value=session.consent, id="consent")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.back"), id="back")
            yield PlainButton(self.t("nav.cancel"), id="cancel", variant="error")
            yield PlainButton(self.t("review.submit"), id="submit", variant="success", disabled=not session.consent)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.session.consent = event.value
        self.query_one("#submit", Button).disabled = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.session.consent = False
            self.kiosk.back()
        elif event.button.id == "cancel":
            self.kiosk.ask_to_end_session()
        elif event.button.id == "submit" and self.session.consent:
            self.kiosk.advance()
