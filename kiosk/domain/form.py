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
from kiosk.domain.masking import mask_date, mask_id_number, mask_identity_name

#: Mainland mobile (11 digits), mainland landline with area code, HK/Macao 8-digit numbers.
PHONE = re.compile(r"1[3-9]\d{9}|0\d{9,11}|[2-9]\d{7}")
NUMBER = re.compile(r"\d+")
AMOUNT = re.compile(r"\d+(\.\d{1,2})?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The longest phone number PHONE takes (0 + area code + number): the keypad stops there.
PHONE_MAX_DIGITS = 12
#: No date on a form is older than this (a typo such as 0199 for 1990).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: How far ahead a "future" date may be (an appointment, a planned departure).
FUTURE_YEARS = 10

#: Field types entered with the on-screen keypad rather than chosen or pre-filled.
KEYPAD_TYPES = frozenset({FieldType.NUMBER, FieldType.AMOUNT, FieldType.PHONE, FieldType.DATE})


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


def masked_prefill(source: str, value: str, identity: Identity | None = None) -> str:
    """How a value read from the card is shown on screen: no more than the citizen needs.

    With the `identity` it came from, a name shows the Latin name beside the Chinese one
    and a number is masked as its document kind says (a passport keeps less)."""
    latin, document = (identity.latin_name, identity.kind.value) if identity is not None else ("", "")
    match source:
        case "identity.name":
            return mask_identity_name(value, latin)
        case "identity.id_number":
            return mask_id_number(value, document)
        case "identity.birth_date":
            return mask_date(dt.date.fromisoformat(value))
        case "identity.address":
            return value[:6] + "*" * min(8, max(0, len(value) - 6))
    return value


def shown_value(form_field: FormField, value: str, lang: Lang, identity: Identity | None = None) -> str:
    """What a screen shows for a field's value: a choice's label, a card value masked."""
    for choice in form_field.choices:
        if choice.value == value:
            return choice.label.get(lang)
    if form_field.prefill and is_locked(form_field, value):
        return masked_prefill(form_field.prefill, value, identity)
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


def validate_field(form_field: FormField, value: str, today: dt.date | None = None) -> str | None:
    """None when `value` is acceptable, else the message key saying what is wrong.

    Each key names the field's own problem (a phone's length, a date after today, an
    amount of zero), so the citizen reads what to change, not "wrong format"."""
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
        case FieldType.AMOUNT if not AMOUNT.fullmatch(value):
            return "form.error.amount"
        case FieldType.AMOUNT if float(value) <= 0:
            return "form.error.amount_zero"
        case FieldType.DATE:
            key = _date_problem(value, form_field.dates, today or dt.date.today())
            if key is not None:
                return key
    if form_field.pattern and not re.fullmatch(form_field.pattern, value):
        return "form.error.pattern"
    return None


def validate_form(service: Service, values: Mapping[str, str], today: dt.date | None = None) -> dict[str, str]:
    """Every field's problem as {field id: message key}; empty when the form is complete."""
    problems = {}
    for form_field in service.fields:
        key = validate_field(form_field, values.get(form_field.id, ""), today)
        if key is not None:
            problems[form_field.id] = key
    return problems


def _date_problem(value: str, dates: str, today: dt.date) -> str | None:
    """The message key for a date that is not a calendar date or not in the field's range."""
    if not DATE.fullmatch(value):
        return "form.error.date"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return "form.error.date"
    if day < EARLIEST_DATE:
        return "form.error.date_too_old"
    if dates == "past" and day > today:
        return "form.error.date_after_today"
    if dates == "future" and day < today:
        return "form.error.date_before_today"
    if day > today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28)):
        return "form.error.date_too_far"
    return None
