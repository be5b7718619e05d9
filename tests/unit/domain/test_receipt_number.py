import datetime as dt
import string

import pytest

from kiosk.domain.receipt_number import READABLE, _legacy_check_character, make_receipt_number, verify_receipt_number

NUMBER = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 42)


def test_format():
    assert NUMBER.startswith("GZHZ0001-261123-042-")
    assert len(NUMBER) == len("GZHZ0001-261123-042-X") == 21
    assert verify_receipt_number(NUMBER)
    assert verify_receipt_number(f"  {NUMBER.lower()} ")


def test_the_check_character_is_never_a_letter_the_big_font_draws_like_a_digit():
    """Finding 7: `O` and `I` looked like 0 and 1 on the done screen."""
    checks = {make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), n)[-1] for n in range(1, 3000)}
    assert checks == set(READABLE) and not checks & {"I", "O"}


def test_a_typed_o_or_i_counts_as_zero_or_one():
    number = next(
        n for s in range(1, 500) if (n := make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), s))[-1] in "01"
    )
    assert verify_receipt_number(number[:-1] + {"0": "O", "1": "I"}[number[-1]])


def test_numbers_in_the_earlier_format_still_verify():
    """Receipts handed out before the change stay checkable (24 characters, MOD 37,36)."""
    old = "GZHZ0001-20261123-0042-" + _legacy_check_character("GZHZ0001-20261123-0042")
    assert verify_receipt_number(old)
    wrong = next(c for c in string.digits if c != old[-1])
    assert not verify_receipt_number(old[:-1] + wrong)


def test_sequence_grows_past_three_digits():
    assert verify_receipt_number(make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 12345))


def _positions(number):
    return [i for i, ch in enumerate(number) if ch != "-"]


def test_every_single_wrong_character_is_caught():
    """Bad input: each character replaced by each other letter or digit (I and O read as 1 and 0)."""
    for i in _positions(NUMBER):
        for replacement in string.digits + string.ascii_uppercase:
            same = replacement.translate(str.maketrans("IO", "10")) == NUMBER[i]
            if replacement != NUMBER[i] and not same:
                assert not verify_receipt_number(NUMBER[:i] + replacement + NUMBER[i + 1 :]), (i, replacement)


def test_swapped_neighbours_are_nearly_always_caught():
    """Bad input: two adjacent different characters swapped, across many numbers.

    The hybrid system does not promise every transposition (a pure MOD 37-2 would, at the
    price of a check character that can be '*'); a handful in a thousand slip.
    """
    missed = total = 0
    for sequence in range(1, 200):
        number = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), sequence)
        positions = _positions(number)
        for a, b in zip(positions, positions[1:]):
            if number[a] == number[b]:
                continue
            chars = list(number)
            chars[a], chars[b] = chars[b], chars[a]
            total += 1
            missed += verify_receipt_number("".join(chars))
    assert total > 1000
    assert missed / total < 0.005


@pytest.mark.parametrize(
    "bad",
    ["", "GZHZ0001-261123-042", "GZHZ0001-261332-042-A", "GZ-HZ-0001-261123-042-A", "GZHZ0001-261123-42-A",
     "GZHZ0001-20261332-0042-A"],
)  # fmt: skip
def test_malformed_numbers_are_refused(bad):
    """Bad input: missing check, impossible date, unstripped station id, short sequence."""
    assert not verify_receipt_number(bad)


def test_make_refuses_bad_inputs():
    """Bad input: station id of another shape, sequence zero."""
    with pytest.raises(ValueError):
        make_receipt_number("GZ-HZ-01", dt.date(2026, 1, 1), 1)
    with pytest.raises(ValueError):
        make_receipt_number("GZ-HZ-0001", dt.date(2026, 1, 1), 0)
