import datetime as dt

import pytest

from kiosk.domain.receipt_number import _ALPHABET, make_receipt_number, verify_receipt_number

NUMBER = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 42)


def test_format():
    assert NUMBER.startswith("GZHZ0001-20261123-0042-")
    assert len(NUMBER) == len("GZHZ0001-20261123-0042-X")
    assert verify_receipt_number(NUMBER)
    assert verify_receipt_number(f"  {NUMBER.lower()} ")


def test_sequence_grows_past_four_digits():
    assert verify_receipt_number(make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 12345))


def _positions(number):
    return [i for i, ch in enumerate(number) if ch != "-"]


def test_every_single_wrong_character_is_caught():
    """Bad input: each character replaced by each other letter or digit."""
    for i in _positions(NUMBER):
        for replacement in _ALPHABET:
            if replacement != NUMBER[i]:
                assert not verify_receipt_number(NUMBER[:i] + replacement + NUMBER[i + 1 :]), (i, replacement)


def test_swapped_neighbours_are_nearly_always_caught():
    """Bad input: two adjacent different characters swapped, across many numbers.

    The hybrid MOD 37,36 system does not promise every transposition (a pure MOD 37-2
    would, at the price of a check character that can be '*'); a handful in a thousand slip.
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
    ["", "GZHZ0001-20261123-0042", "GZHZ0001-20261332-0042-A", "GZ-HZ-0001-20261123-0042-A", "GZHZ0001-20261123-42-A"],
)
def test_malformed_numbers_are_refused(bad):
    """Bad input: missing check, impossible date, unstripped station id, short sequence."""
    assert not verify_receipt_number(bad)


def test_make_refuses_bad_inputs():
    """Bad input: station id of another shape, sequence zero."""
    with pytest.raises(ValueError):
        make_receipt_number("GZ-HZ-01", dt.date(2026, 1, 1), 1)
    with pytest.raises(ValueError):
        make_receipt_number("GZ-HZ-0001", dt.date(2026, 1, 1), 0)
