import datetime as dt

import pytest

from devices.card import gb11643
from devices.errors import CardRejected


def test_known_check_characters():
    # Published examples of the MOD 11-2 scheme (GB 11643-1999 appendix style).
    assert gb11643.check_character("34052419800101001") == "X"
    assert gb11643.check_character("11010519491231002") == "X"
    assert gb11643.check_character("44052418800101001") == "4"


def test_make_id_number_round_trips():
    number = gb11643.make_id_number("440106", "19850312", "123")
    assert len(number) == 18
    assert gb11643.validate(number) == number
    assert gb11643.birth_date_of(number) == dt.date(1985, 3, 12)


def test_lower_case_x_is_normalised():
    number = gb11643.make_id_number("110105", "19491231", "002")
    assert number.endswith("X")
    assert gb11643.validate(number[:-1] + "x") == number


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("44010619850312123", "18 characters"),  # one short
        ("4401061985031212377", "18 characters"),  # one long
        ("44010619850312A237", "17 digits"),  # letter in the body
        ("440106198502301230", "birth date"),  # 30 February
        ("440106198503121238", "check character"),  # last digit changed
        ("４４０１０６１９８５０３１２１２３７", "17 digits"),  # full-width digits
    ],
)
def test_invalid_numbers_are_rejected_without_echoing_them(bad, why):
    """Bad input: wrong length, non-digits, impossible dates, wrong check character."""
    with pytest.raises(CardRejected, match=why) as info:
        gb11643.validate(bad)
    assert bad not in str(info.value)
    assert not gb11643.is_valid(bad)


def test_make_id_number_refuses_impossible_dates():
    """Bad input: a birth date that is not on the calendar."""
    with pytest.raises(ValueError):
        gb11643.make_id_number("440106", "19850230", "123")
    with pytest.raises(ValueError):
        gb11643.make_id_number("4401", "19850312", "123")


def test_foreigner_2017_number():
    from devices.card.samples import FOREIGNER_2017

    assert gb11643.validate_foreigner_2017(FOREIGNER_2017.id_number) == FOREIGNER_2017.id_number
    wrong = FOREIGNER_2017.id_number[:-1] + str((int(FOREIGNER_2017.id_number[-1]) + 1) % 10)
    with pytest.raises(CardRejected, match="check digit"):
        gb11643.validate_foreigner_2017(wrong)
    with pytest.raises(CardRejected, match="nationality"):
        gb11643.validate_foreigner_2017("us1440180022919")
    with pytest.raises(CardRejected, match="birth date"):
        gb11643.validate_foreigner_2017("USA440180023019")
