"""GB 11643 citizen identity numbers: the ISO 7064 MOD 11-2 check character.

An 18-character number is `region(6) birth(8, YYYYMMDD) sequence(3) check(1)`; the check
character is computed over the first 17 digits with weights 2^(17-i) mod 11, and is '0'-'9'
or 'X' (for 10). The same scheme is used by the HK/Macao/Taiwan residence permit (regions
810000/820000/830000) and by the 2023 foreigner's permanent residence card (leading '9'),
so one validator serves all three GA 467 layouts. The 2017 foreigner's card ('I') has a
15-character number instead: nationality alpha-3, region(4), birth YYMMDD, sex digit and an
ICAO 9303 7-3-1 check digit (`validate_foreigner_2017`).

`make_id_number` exists so that tests, samples and simulators can build *valid* numbers
for fictional people instead of copying real ones.
"""

from __future__ import annotations

import datetime as dt

from devices.card.mrz import check_digit as mrz_check_digit
from devices.errors import CardRejected

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"  # index = weighted sum mod 11


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits. Raises ValueError on anything else."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def birth_date_of(number: str) -> dt.date:
    """The birth date embedded in an 18-character number (positions 7-14).

    Raises ValueError when those digits are not a calendar date.
    """
    digits = number[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise ValueError("no YYYYMMDD at positions 7-14")
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def is_valid(number: str) -> bool:
    """Whether `number` is 18 characters with a calendar birth date and the right check."""
    try:
        validate(number)
    except CardRejected:
        return False
    return True


def validate(number: str) -> str:
    """Return the number normalised (upper-case 'X'), or raise CardRejected.

    The message says what is wrong without repeating the number (it is personal data).
    """
    if len(number) != 18:
        raise CardRejected("ID number must have 18 characters")
    body, check = number[:17], number[17].upper()
    if not body.isascii() or not body.isdigit():
        raise CardRejected("ID number must start with 17 digits")
    try:
        birth_date_of(number)
    except ValueError:
        raise CardRejected("ID number carries no valid birth date") from None
    if check != check_character(body):
        raise CardRejected("ID number check character is wrong")
    return body + check


def validate_foreigner_2017(number: str) -> str:
    """Validate a 2017-edition foreigner's permanent residence number (15 characters).

    Layout: nationality alpha-3, region(4), birth YYMMDD, one sex digit, check digit.
    Returns the number, or raises CardRejected (data-free message).
    """
    if len(number) != 15:
        raise CardRejected("permanent residence number must have 15 characters")
    alpha3, digits = number[:3], number[3:]
    if not (alpha3.isascii() and alpha3.isalpha() and alpha3.isupper()):
        raise CardRejected("permanent residence number must start with a nationality code")
    if not (digits.isascii() and digits.isdigit()):
        raise CardRejected("permanent residence number must end with 12 digits")
    try:
        dt.datetime.strptime(number[7:13], "%y%m%d")
    except ValueError:
        raise CardRejected("permanent residence number carries no valid birth date") from None
    if number[14] != mrz_check_digit(number[:14]):
        raise CardRejected("permanent residence number check digit is wrong")
    return number


def make_id_number(region6: str, birth_yyyymmdd: str, seq3: str) -> str:
    """Build a valid 18-character number for a fictional identity.

    The sequence's last digit is odd for men and even for women, as on real cards.
    """
    if len(region6) != 6 or len(birth_yyyymmdd) != 8 or len(seq3) != 3:
        raise ValueError("expected region(6), birth YYYYMMDD(8) and sequence(3)")
    body = region6 + birth_yyyymmdd + seq3
    number = body + check_character(body)
    birth_date_of(number)  # raises ValueError on a non-calendar date
    return number
