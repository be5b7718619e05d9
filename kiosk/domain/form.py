"""Service forms: pre-filled from the identity, validated per field type.

"秒报": the citizen should mostly confirm, not type. `prefill` takes every value a field's
`prefill` source names from the identity just read; `validate_field` answers with a message
key (looked up in the UI's catalogs), never with text, so the domain stays language-free.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from devices.card.base import Identity
from kiosk.domain.catalog import FieldType, FormField, Service
from kiosk.domain.i18n_text import Lang
from kiosk.domain.masking import mask_date, mask_id_number, mask_name

#: Mainland mobile (11 digits), mainland landline with area code, HK/Macao 8-digit numbers.
PHONE = re.compile(r"1[3-9]\d{9}|0\d{9,11}|[2-9]\d{7}")
NUMBER = re.compile(r"\d+")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Field types entered with the on-screen keypad rather than chosen or pre-filled.
KEYPAD_TYPES = frozenset({FieldType.NUMBER, FieldType.PHONE, FieldType.DATE})


def identity_value(identity: Identity, source: str) -> str:
    """The text a prefill source (`identity.<attribute>`) names, "" when the card lacks it."""
    attribute = source.removeprefix("identity.")
    if attribute == "document_kind":
        return identity.kind.value
    value = getattr(identity, attribute, None)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def is_locked(form_field: FormField, value: str) -> bool:
    """A value read from the card is shown (masked) but not edited: the card is the source."""
    return form_field.prefill is not None and bool(value)


def masked_prefill(source: str, value: str) -> str:
    """How a value read from the card is shown on screen: no more than the citizen needs."""
    match source:
        case "identity.name":
            return mask_name(value)
        case "identity.id_number":
            return mask_id_number(value)
        case "identity.birth_date":
            return mask_date(dt.date.fromisoformat(value))
        case "identity.address":
            return value[:6] + "*" * min(8, max(0, len(value) - 6))
    return value


def shown_value(form_field: FormField, value: str, lang: Lang) -> str:
    """What a screen shows for a field's value: a choice's label, a card value masked."""
    for choice in form_field.choices:
        if choice.value == value:
            return choice.label.get(lang)
    if form_field.prefill and is_locked(form_field, value):
        return masked_prefill(form_field.prefill, value)
    return value


def prefill(service: Service, identity: Identity | None) -> dict[str, str]:
    """Initial form values: the identity's data where a field asks for it, else empty."""
    values = {}
    for form_field in service.fields:
        value = ""
        if identity is not None and form_field.prefill:
            value = identity_value(identity, form_field.prefill)
        if form_field.type is FieldType.CHOICE and value not in {c.value for c in form_field.choices}:
            value = ""
        values[form_field.id] = value[: form_field.max_length]
    return values


def validate_field(form_field: FormField, value: str) -> str | None:
    """None when `value` is acceptable, else the message key saying what is wrong."""
    value = value.strip()
    if not value:
        return "form.error.required" if form_field.required else None
    if len(value) > form_field.max_length:
        return "form.error.too_long"
    match form_field.type:
        case FieldType.CHOICE if value not in {c.value for c in form_field.choices}:
            return "form.error.choice"
        case FieldType.PHONE if not PHONE.fullmatch(value):
            return "form.error.phone"
        case FieldType.NUMBER if not NUMBER.fullmatch(value):
            return "form.error.number"
        case FieldType.DATE if not _is_date(value):
            return "form.error.date"
    if form_field.pattern and not re.fullmatch(form_field.pattern, value):
        return "form.error.pattern"
    return None


def validate_form(service: Service, values: Mapping[str, str]) -> dict[str, str]:
    """Every field's problem as {field id: message key}; empty when the form is complete."""
    problems = {}
    for form_field in service.fields:
        key = validate_field(form_field, values.get(form_field.id, ""))
        if key is not None:
            problems[form_field.id] = key
    return problems


def _is_date(value: str) -> bool:
    if not DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
