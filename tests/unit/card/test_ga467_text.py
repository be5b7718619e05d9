import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.card import samples
from devices.card.base import DocumentKind
from devices.card.gb11643 import make_id_number
from devices.card.ga467_text import (
    ETHNICITIES,
    FOREIGNER_2017,
    RESIDENT,
    card_flag,
    encode_base_text,
    parse_base_text,
)
from devices.errors import CardRejected, ProtocolError

TODAY = dt.date(2026, 11, 23)
GA467_SAMPLES = [samples.RESIDENT, samples.RESIDENT_LONG_TERM, samples.HMT_PERMIT, samples.FOREIGNER_2017, samples.FOREIGNER_2023]


def _put(text: bytes, layout: dict, field: str, value: str) -> bytes:
    offset, length = layout[field]
    raw = (value.encode("utf-16-le") + " ".encode("utf-16-le") * length)[:length]
    return text[:offset] + raw + text[offset + length :]


@pytest.mark.parametrize("identity", GA467_SAMPLES, ids=lambda i: i.kind.value + i.id_number[-2:])
def test_samples_round_trip(identity):
    assert parse_base_text(encode_base_text(identity), today=TODAY) == identity


def test_hand_built_resident_text_is_read_at_the_documented_offsets():
    # Built field by field from the GA 467 offsets, independently of encode_base_text.
    number = make_id_number("440103", "19991231", "002")
    fields = [
        ("赵六", 30), ("2", 2), ("03", 4), ("19991231", 16), ("广东省广州市荔湾区测试路1号", 70),
        (number, 36), ("广州市公安局荔湾分局", 30), ("20180101", 16), ("长期", 16), ("", 28), (" ", 2), ("", 6),
    ]  # fmt: skip
    text = b"".join((value.encode("utf-16-le") + b" \x00" * length)[:length] for value, length in fields)
    assert len(text) == 256 and card_flag(text) == ""
    identity = parse_base_text(text, b"WLT", today=TODAY)
    assert identity.name == "赵六" and identity.sex == "F" and identity.ethnicity == "回"
    assert identity.birth_date == dt.date(1999, 12, 31) and identity.valid_to is None
    assert identity.id_number == number and identity.photo == b"WLT"
    assert identity.kind == DocumentKind.RESIDENT_ID and identity.nationality == "CHN"


def test_foreigner_2017_uses_its_own_layout():
    text = encode_base_text(samples.FOREIGNER_2017)
    assert card_flag(text) == "I"
    offset, length = FOREIGNER_2017["latin_name"]
    assert text[offset : offset + length].decode("utf-16-le").strip() == "SMITH, JOHN"
    identity = parse_base_text(text, today=TODAY)
    assert identity.name == "史密斯" and identity.latin_name == "SMITH, JOHN" and identity.nationality == "USA"


def test_long_latin_name_spans_both_fields_of_the_2023_card():
    person = dataclasses.replace(samples.FOREIGNER_2023, latin_name="VANDERBERGHE-MONTGOMERY, ALEXANDRA ELISABETH")
    assert parse_base_text(encode_base_text(person), today=TODAY).latin_name == person.latin_name


BAD_TEXTS = {
    "wrong check character": (RESIDENT, "number", samples.RESIDENT.id_number[:-1] + "0", "check character"),
    "birth disagrees with number": (RESIDENT, "birth", "19850313", "disagree"),
    "impossible date": (RESIDENT, "valid_from", "20200230", "calendar date"),
    "date not digits": (RESIDENT, "valid_to", "2040/5/1", "YYYYMMDD"),
    "unknown sex code": (RESIDENT, "sex", "7", "sex"),
    "sex disagrees with number": (RESIDENT, "sex", "2", "sex disagree"),
    "unknown ethnicity": (RESIDENT, "ethnicity", "77", "ethnicity"),
    "no name": (RESIDENT, "name", "", "no name"),
    "unknown flag": (RESIDENT, "flag", "Z", "flag"),
    "resident with permit region": (RESIDENT, "number", make_id_number("810000", "19850312", "123"), "permit"),
    "validity reversed": (RESIDENT, "valid_to", "20190101", "ends before"),
}


@pytest.mark.parametrize("case", BAD_TEXTS, ids=list(BAD_TEXTS))
def test_malformed_cards_are_rejected_without_their_data(case):
    """Bad input: one field of a valid resident card replaced by the case's value."""
    layout, field, value, reason = BAD_TEXTS[case]
    text = _put(encode_base_text(samples.RESIDENT), layout, field, value)
    with pytest.raises(CardRejected, match=reason) as info:
        parse_base_text(text, today=TODAY)
    message = str(info.value)
    assert samples.RESIDENT.name not in message and samples.RESIDENT.id_number[:10] not in message


def test_permit_without_hmt_region_is_rejected():
    """Bad input: a 'J' permit carrying a mainland number."""
    text = _put(encode_base_text(samples.HMT_PERMIT), RESIDENT, "number", make_id_number("440106", "19900701", "017"))
    with pytest.raises(CardRejected, match="Hong Kong"):
        parse_base_text(text, today=TODAY)


def test_expiry_and_not_yet_valid():
    """Bad input: a card past its end date, and one whose validity starts tomorrow."""
    text = encode_base_text(samples.RESIDENT)
    with pytest.raises(CardRejected, match="expired"):
        parse_base_text(text, today=dt.date(2040, 5, 2))
    assert parse_base_text(text, today=dt.date(2040, 5, 1)) == samples.RESIDENT
    assert parse_base_text(text, today=dt.date(2041, 1, 1), reject_expired=False) == samples.RESIDENT
    with pytest.raises(CardRejected, match="not valid yet"):
        parse_base_text(text, today=dt.date(2020, 4, 30))


def test_long_term_card_never_expires():
    text = encode_base_text(samples.RESIDENT_LONG_TERM)
    assert parse_base_text(text, today=dt.date(2090, 1, 1)).valid_to is None


@pytest.mark.parametrize("size", [0, 255, 257, 1024])
def test_wrong_size_is_a_protocol_error(size):
    """Bad input: a text block that is not 256 bytes."""
    with pytest.raises(ProtocolError):
        parse_base_text(bytes(size))


def test_lone_surrogate_is_rejected():
    """Bad input: a UCS-2 code unit that is half a surrogate pair (not UCS-2)."""
    text = _put(encode_base_text(samples.RESIDENT), RESIDENT, "name", "张")
    text = b"\x00\xd8" + text[2:]
    with pytest.raises(CardRejected, match="UCS-2"):
        parse_base_text(text, today=TODAY)


def test_encode_refuses_icao_documents_and_overlong_fields():
    with pytest.raises(ValueError):
        encode_base_text(samples.PASSPORT)
    with pytest.raises(ValueError):
        encode_base_text(dataclasses.replace(samples.RESIDENT, address="很" * 36))


# --- property-based ----------------------------------------------------------------------

DOCUMENTED = (CardRejected, ProtocolError)


@given(st.binary(min_size=256, max_size=256))
def test_fuzz_random_text_only_documented_errors(text):
    """Bad input: 256 random bytes."""
    try:
        parse_base_text(text, today=TODAY)
    except DOCUMENTED:
        pass


@given(st.sampled_from(GA467_SAMPLES), st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255)), min_size=1, max_size=8))
def test_fuzz_mutated_cards_only_documented_errors(identity, edits):
    """Bad input: a valid card with up to 8 bytes overwritten at random."""
    text = bytearray(encode_base_text(identity))
    for position, value in edits:
        text[position] = value
    try:
        parse_base_text(bytes(text), today=TODAY)
    except DOCUMENTED:
        pass


cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@st.composite
def residents(draw):
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)))
    sex = draw(st.sampled_from("MF"))
    seq = draw(st.integers(0, 49)) * 2 + (1 if sex == "M" else 0)
    region = draw(st.sampled_from(["440106", "440304", "445102", "110105", "650102"]))
    valid_from = draw(st.dates(birth, dt.date(2026, 11, 23)))
    valid_to = draw(st.one_of(st.none(), st.dates(dt.date(2026, 11, 23), dt.date(2060, 1, 1))))
    return dataclasses.replace(
        samples.RESIDENT,
        name=draw(st.text(cjk, min_size=1, max_size=15)),
        id_number=make_id_number(region, birth.strftime("%Y%m%d"), f"{seq:03d}"),
        birth_date=birth,
        sex=sex,
        ethnicity=draw(st.sampled_from(sorted(ETHNICITIES.values()))),
        address=draw(st.text(cjk, min_size=1, max_size=35)),
        issuer=draw(st.text(cjk, min_size=1, max_size=15)),
        valid_from=valid_from,
        valid_to=valid_to,
    )


@given(residents())
def test_fuzz_generated_residents_round_trip(identity):
    assert parse_base_text(encode_base_text(identity), today=TODAY) == identity
