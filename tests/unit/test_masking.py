import datetime as dt

import pytest

from kiosk.domain.masking import mask_date, mask_id_number, mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("李", "*"), ("CHAN TAI MAN", "C*** T** M**")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_id_number_keeps_four_and_four():
    assert mask_id_number("44010619900101123X") == "4401**********123X"


def test_mask_short_document_number():
    assert mask_id_number("E1234567") == "******67"


def test_mask_date_keeps_year():
    assert mask_date(dt.date(1990, 3, 7)) == "1990-**-**"


def test_mask_passport_number_keeps_two_and_two():
    """Finding 4: E123*5678 showed 8 of 9 characters."""
    assert mask_id_number("E12345678", "passport") == "E1*****78"
    assert mask_id_number("C12345678", "travel_permit") == "C1*****78"


def test_identity_name_shows_the_latin_name_and_the_chinese_beside_it():
    from kiosk.domain.masking import mask_identity_name

    assert mask_identity_name("史密斯", "SMITH, JOHN") == "S****, J***  史*斯"
    assert mask_identity_name("LI SI", "LI SI") == "L* S*"
    assert mask_identity_name("张三") == "张*"
