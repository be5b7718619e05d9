import pytest

from devices.card.samples import FOREIGNER_2023, RESIDENT
from kiosk.domain.catalog import FieldType, FormField
from kiosk.domain.form import is_locked, masked_prefill, prefill, shown_value, validate_field, validate_form
from kiosk.domain.i18n_text import Lang, LocalText
from kiosk.demo.catalogs import load_demo_catalog

LABEL = LocalText.model_validate({"zh-Hans": "字段"})


def _field(type_: FieldType, **kw) -> FormField:
    return FormField(id="f", label=LABEL, type=type_, **kw)


def test_prefill_takes_identity_values_and_leaves_the_rest_empty():
    service = load_demo_catalog().service("ELDERLY-ALLOWANCE")
    values = prefill(service, RESIDENT)
    assert values["name"] == RESIDENT.name
    assert values["id_number"] == RESIDENT.id_number
    assert values["birth_date"] == "1985-03-12"
    assert values["sex"] == "M"
    assert values["address"] == RESIDENT.address
    assert values["phone"] == "" and values["living"] == ""


def test_prefill_without_address_leaves_optional_field_empty_and_unlocked():
    """Bad input: a card without an address (foreigner's card) for a field that prefills it."""
    service = load_demo_catalog().service("ELDERLY-ALLOWANCE")
    values = prefill(service, FOREIGNER_2023)
    address = next(f for f in service.fields if f.id == "address")
    assert values["address"] == "" and not is_locked(address, values["address"])
    assert validate_field(address, "") is None  # optional


def test_masked_prefill_shows_no_more_than_needed():
    assert masked_prefill("identity.name", "张小三") == "张*三"
    assert masked_prefill("identity.id_number", RESIDENT.id_number).startswith("4401")
    assert "*" in masked_prefill("identity.id_number", RESIDENT.id_number)
    assert masked_prefill("identity.birth_date", "1985-03-12") == "1985-**-**"
    assert RESIDENT.address not in masked_prefill("identity.address", RESIDENT.address)


@pytest.mark.parametrize(
    ("type_", "kw", "value", "key"),
    [
        (FieldType.PHONE, {}, "13800138000", None),
        (FieldType.PHONE, {}, "28123456", None),  # Hong Kong
        (FieldType.PHONE, {}, "1380013800", "form.error.phone"),  # one digit short
        (FieldType.PHONE, {}, "12800138000", "form.error.phone"),  # no such mobile prefix
        (FieldType.NUMBER, {}, "12a", "form.error.number"),
        (FieldType.NUMBER, {"pattern": r"\d{16,19}"}, "1234", "form.error.pattern"),
        (FieldType.DATE, {}, "2025-02-29", "form.error.date"),  # not a leap year
        (FieldType.DATE, {}, "20250228", "form.error.date"),
        (FieldType.DATE, {}, "2024-02-29", None),
        (FieldType.TEXT, {"max_length": 3}, "ABCD", "form.error.too_long"),
        (FieldType.TEXT, {}, "   ", "form.error.required"),
        (FieldType.TEXT, {"required": False}, "", None),
    ],
)
def test_validate_field(type_, kw, value, key):
    """Bad inputs: short/unknown phones, letters in numbers, impossible dates, overlong text."""
    assert validate_field(_field(type_, **kw), value) == key


def test_validate_choice_rejects_values_not_offered():
    """Bad input: a value that is not one of the field's choices."""
    service = load_demo_catalog().service("TAX-CERT")
    year = next(f for f in service.fields if f.id == "year")
    assert validate_field(year, "1999") == "form.error.choice"
    assert validate_field(year, "2024") is None


def test_validate_form_lists_every_problem():
    service = load_demo_catalog().service("HKMO-ENDORSE")
    values = prefill(service, RESIDENT)
    assert validate_form(service, values) == {
        "destination": "form.error.required",
        "kind": "form.error.required",
        "phone": "form.error.required",
    }
    values |= {"destination": "hk", "kind": "family", "phone": "13800138000"}
    assert validate_form(service, values) == {}


def test_shown_value_masks_card_values_and_names_choices():
    service = load_demo_catalog().service("ELDERLY-ALLOWANCE")
    fields = {f.id: f for f in service.fields}
    assert shown_value(fields["name"], RESIDENT.name, Lang.EN) == "张*"
    assert shown_value(fields["sex"], "F", Lang.EN) == "Female"
    assert shown_value(fields["living"], "alone", Lang.ZH_HANT) == "獨居"
    assert shown_value(fields["phone"], "13800138000", Lang.EN) == "13800138000"


TODAY = __import__("datetime").date(2026, 11, 23)


@pytest.mark.parametrize(
    ("dates", "value", "key"),
    [
        ("past", "2030-01-01", "form.error.date_after_today"),  # finding 6: a move-in in 2030
        ("past", "2026-11-23", None),
        ("past", "0199-05-01", "form.error.date_too_old"),
        ("future", "2026-11-22", "form.error.date_before_today"),
        ("future", "2027-01-01", None),
        ("any", "2099-01-01", "form.error.date_too_far"),
        ("any", "2026-02-30", "form.error.date"),
    ],
)
def test_dates_are_bounded_as_the_field_says(dates, value, key):
    assert validate_field(_field(FieldType.DATE, dates=dates), value, TODAY) == key


@pytest.mark.parametrize(
    ("value", "key"),
    [("0", "form.error.amount_zero"), ("0.00", "form.error.amount_zero"), ("3000", None), ("12.5", None),
     ("12.345", "form.error.amount"), ("1.2.3", "form.error.amount"), (".5", "form.error.amount")],
)  # fmt: skip
def test_amounts_are_more_than_zero_with_at_most_two_decimals(value, key):
    """Finding 6: an amount of 0 was accepted."""
    assert validate_field(_field(FieldType.AMOUNT), value) == key


def test_a_foreigners_name_and_a_passport_number_are_shown_as_their_document_says():
    """Findings 3 and 4: the Latin name beside the Chinese one; a passport keeps 2 + 2."""
    from devices.card.samples import FOREIGNER_2017, PASSPORT

    assert masked_prefill("identity.name", FOREIGNER_2017.name, FOREIGNER_2017) == "S****, J***  史*斯"
    assert masked_prefill("identity.id_number", PASSPORT.id_number, PASSPORT) == "E1*****78"
