"""Form: mostly pre-filled from the card; choices are buttons, numbers come from a keypad."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from kiosk.domain.catalog import FieldType, FormField
from kiosk.domain.flow import Step
from kiosk.domain.form import PHONE_MAX_DIGITS, is_locked, prefill, shown_value, validate_field, validate_form
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.widgets.keypad import KeypadMode
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

_KEYPAD_MODES = {FieldType.DATE: KeypadMode.DATE, FieldType.TEXT: KeypadMode.ALNUM, FieldType.AMOUNT: KeypadMode.AMOUNT}


class FormScreen(KioskScreen):
    STEP = Step.FORM
    CSS_PATH = "form.tcss"

    def compose_body(self) -> ComposeResult:
        service = self.session.service
        assert service is not None, "the form is reached only with a service"
        if not self.session.form:
            self.session.form.update(prefill(service, self.session.identity))
        yield PlainStatic(service.name.get(self.session.lang), id="title")
        with VerticalScroll(id="fields"):
            for form_field in service.fields:
                with Vertical(classes="field", id=f"field-{form_field.id}"):
                    with Horizontal(classes="field-row"):
                        mark = "" if form_field.required else self.t("form.optional")
                        yield PlainStatic(f"{form_field.label.get(self.session.lang)}{mark}", classes="label")
                        yield from self._control(form_field)
                    yield PlainStatic("", classes="error", id=f"error-{form_field.id}")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.back"), id="back")
            yield PlainButton(self.t("nav.cancel"), id="cancel", variant="error")
            yield PlainButton(self.t("nav.next"), id="next", variant="success")

    def _control(self, form_field: FormField) -> ComposeResult:
        value = self.session.form.get(form_field.id, "")
        lang = self.session.lang
        if is_locked(form_field, value):
            shown = shown_value(form_field, value, lang, self.session.identity)
            yield PlainStatic(f"{shown}  {self.t('form.from_card')}", classes="locked")
        elif form_field.type is FieldType.CHOICE:
            with Horizontal(classes="choices"):
                for index, choice in enumerate(form_field.choices):
                    yield PlainButton(
                        choice.label.get(lang),
                        id=f"choice-{form_field.id}-{index}",
                        classes="choice",
                        variant="primary" if choice.value == value else "default",
                    )
        else:
            yield PlainButton(value or self.t("form.tap_to_enter"), id=f"edit-{form_field.id}", classes="edit")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        service = self.session.service
        assert service is not None
        if button_id == "back":
            self.kiosk.back()
        elif button_id == "cancel":
            self.kiosk.ask_to_end_session()
        elif button_id == "next":
            self._next()
        elif button_id.startswith("choice-"):
            field_id, _, index = button_id.removeprefix("choice-").partition("-")
            form_field = next(f for f in service.fields if f.id == field_id)
            self._set(field_id, form_field.choices[int(index)].value)
            for button in self.query_one(f"#field-{field_id}").query(".choice").results(Button):
                button.variant = "primary" if button.id == button_id else "default"
        elif button_id.startswith("edit-"):
            self._edit(next(f for f in service.fields if f.id == button_id.removeprefix("edit-")))

    def _edit(self, form_field: FormField) -> None:
        def entered(value: str | None) -> None:
            if value is None:
                return
            self._set(form_field.id, value)
            self.query_one(f"#edit-{form_field.id}", Button).label = value or self.t("form.tap_to_enter")

        mode = _KEYPAD_MODES.get(form_field.type, KeypadMode.DIGITS)
        title = form_field.label.get(self.session.lang)
        value = self.session.form.get(form_field.id, "")
        longest = min(form_field.max_length, PHONE_MAX_DIGITS) if form_field.type is FieldType.PHONE else form_field.max_length
        self.app.push_screen(KeypadScreen(title, value, mode, longest, self.session.lang), entered)

    def _set(self, field_id: str, value: str) -> None:
        """Store a value and re-check that field (only once the citizen tried to go on)."""
        self.session.form[field_id] = value
        error = self.query_one(f"#error-{field_id}", Static)
        if error.has_class("-shown"):
            service = self.session.service
            assert service is not None
            form_field = next(f for f in service.fields if f.id == field_id)
            self._show_error(form_field, validate_field(form_field, value))

    def _show_error(self, form_field: FormField, key: str | None) -> None:
        """The field's own message: the catalog's hint for a pattern it does not match."""
        error = self.query_one(f"#error-{form_field.id}", Static)
        text = ""
        if key == "form.error.pattern" and form_field.hint is not None:
            text = form_field.hint.get(self.session.lang)
        elif key is not None:
            text = self.t(key)
        error.update(text)
        error.set_class(key is not None, "-shown")

    def _next(self) -> None:
        service = self.session.service
        assert service is not None
        problems = validate_form(service, self.session.form)
        for form_field in service.fields:
            self._show_error(form_field, problems.get(form_field.id))
        if problems:
            first = next(f.id for f in service.fields if f.id in problems)
            # after the refresh: the messages just shown change the fields' heights
            self.call_after_refresh(self.query_one(f"#field-{first}").scroll_visible, animate=False, top=True)
            return
        self.session.form_done = True
        self.kiosk.advance()
