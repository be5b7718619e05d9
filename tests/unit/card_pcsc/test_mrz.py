"""MRZ parsing and check digits against the ICAO 9303 part 4/5 specimens (fictional Utopia)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.card.base import DocumentKind, MrzKey
from devices.card.mrz import MrzError, MrzFormat, bac_key_input, check_digit, parse_mrz

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
TD2 = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
    "D231458907UTO7408122F1204159<<<<<<<6"
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n"
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
# ICAO 9303 part 5's long document number example: D23145890734, check digit 9; the '<'
# at position 15 says the number continues in the optional data.
TD1_LONG = (
    "I<UTOD23145890<7349<<<<<<<<<<<\n"
    "7408122F1204159UTO<<<<<<<<<<<6\n"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def test_check_digits_of_the_specimen():
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("ZE184226B<<<<<") == "1"
    assert check_digit("<<<<<<") == "0"


@pytest.mark.parametrize(
    "text, fmt, number, optional",
    [(TD3, MrzFormat.TD3, "L898902C3", "ZE184226B"), (TD2, MrzFormat.TD2, "D23145890", ""),
     (TD1, MrzFormat.TD1, "D23145890", "")],
)
def test_specimens_parse(text, fmt, number, optional):
    mrz = parse_mrz(text)
    assert mrz.format is fmt
    assert mrz.document_number == number
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.birth_date == dt.date(1974, 8, 12)
    assert mrz.expiry_date == dt.date(2012, 4, 15)
    assert (mrz.sex, mrz.nationality, mrz.issuing_state) == ("F", "UTO", "UTO")
    assert mrz.optional_data == optional


def test_dg1_form_without_line_breaks():
    assert parse_mrz(TD3.replace("\n", "")).document_number == "L898902C3"


def test_td1_long_document_number():
    mrz = parse_mrz(TD1_LONG)
    assert mrz.document_number == "D23145890734"
    assert mrz.optional_data == ""
    with pytest.raises(MrzError, match="document number"):
        parse_mrz(TD1_LONG.replace("7349", "7348"))


def test_identity_kinds():
    assert parse_mrz(TD3).identity().kind is DocumentKind.PASSPORT
    identity = parse_mrz(TD1).identity()
    assert identity.kind is DocumentKind.TRAVEL_PERMIT
    assert identity.name == "ERIKSSON ANNA MARIA"
    assert "ERIKSSON" not in repr(identity) and "ERIKSSON" not in repr(parse_mrz(TD1))


@pytest.mark.parametrize(
    "position, field",
    [(1 * 45 + 9, "document number"), (1 * 45 + 19, "birth date"), (1 * 45 + 27, "expiry date"),
     (1 * 45 + 42, "optional data"), (1 * 45 + 43, "composite")],
)
def test_each_wrong_check_digit_is_named(position, field):
    """Bad input: one check digit of the TD3 specimen changed."""
    text = list(TD3)
    text[position] = "0" if text[position] != "0" else "1"
    with pytest.raises(MrzError, match=field):
        parse_mrz("".join(text))


@pytest.mark.parametrize(
    "bad",
    ["", "P<UTO", TD3.lower(), TD3.replace("7408122", "7413322"), TD3 + "\nEXTRA", TD3.replace("F12", "Q12")],
)
def test_malformed(bad):
    """Bad input: empty, truncated, lower case, impossible date, extra line, unknown sex."""
    with pytest.raises(MrzError):
        parse_mrz(bad)


def test_error_messages_carry_no_data():
    """Bad input: a wrong document number check digit; the message must not echo it."""
    with pytest.raises(MrzError) as err:
        parse_mrz(TD3.replace("L898902C36", "L898902C35"))
    assert "L898902C" not in str(err.value)


def test_bac_key_input_pads_short_numbers():
    assert bac_key_input(MrzKey("L898902C", "690806", "940623")) == b"L898902C<369080619406236"
    assert bac_key_input(MrzKey(" l898902c ", "690806", "940623")) == b"L898902C<369080619406236"


@pytest.mark.parametrize("key", [MrzKey("", "690806", "940623"), MrzKey("L89-8902", "690806", "940623"),
                                 MrzKey("L898902C", "69086", "940623"), MrzKey("L898902C", "690806", "94O623")])
def test_bac_key_input_refuses_bad_keys(key):
    """Bad input: empty number, punctuation, short date, letter O in a date."""
    with pytest.raises(MrzError):
        bac_key_input(key)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789ABCDEFXYZ<\n abc"), max_size=140))
def test_fuzz_parse_only_raises_mrz_error(text):
    try:
        parse_mrz(text)
    except MrzError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(TD3) - 1), st.sampled_from("0123456789ABCXZ<"))
def test_fuzz_single_character_mutations_of_specimen(position, char):
    """Bad input: every one-character change of a valid MRZ; either still valid or MrzError."""
    text = TD3[:position] + char + TD3[position + 1 :]
    try:
        mrz = parse_mrz(text)
    except MrzError:
        return
    assert mrz.format is MrzFormat.TD3


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=8), st.text(max_size=8))
def test_fuzz_bac_key_input(number, birth, expiry):
    try:
        assert len(bac_key_input(MrzKey(number, birth, expiry))) >= 24
    except MrzError:
        pass
