"""Receipt numbers a citizen can read out over the phone, with a check character.

Format: `GZHZ0001-261123-042-K` (21 characters)
    station id without dashes - local date YYMMDD - sequence of the day (3+ digits) - check.
The check character is ISO 7064's hybrid system MOD 35,34 over an alphabet without `I` and
`O`, which the big font on the done screen (and many printers) draw like `1` and `0`
(issue 15, finding 7); a typed `I` or `O` counts as `1` or `0`, as a reader would mean it.
Like MOD 37,36 it catches every single wrong character and nearly every swap of two
neighbours, the errors people make when they copy or dictate a number.

Numbers made before (`GZHZ0001-20261123-0042-K`, 24 characters, MOD 37,36 over 0-9A-Z)
still verify: receipts already handed out stay checkable.
"""

from __future__ import annotations

import datetime as dt
import re

#: Letters and digits without I and O: what the check character is drawn from.
READABLE = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SAME_AS = str.maketrans("IO", "10")
_PATTERN = re.compile(r"^([A-Z]{4}\d{4})-(\d{6})-(\d{3,})-([0-9A-Z])$")

#: The earlier format and its check alphabet (verification only).
_LEGACY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LEGACY_PATTERN = re.compile(r"^([A-Z]{4}\d{4})-(\d{8})-(\d{4,})-([0-9A-Z])$")


def _hybrid_check(values: list[int], modulus: int) -> int:
    """ISO 7064 hybrid system MOD (M+1),M: the check value over `values` (each < M)."""
    p = modulus
    for value in values:
        s = (p + value) % modulus or modulus
        p = (2 * s) % (modulus + 1)
    return (modulus + 1 - p) % modulus


def check_character(payload: str) -> str:
    """The check character (never I or O) over the letters and digits of `payload`."""
    chars = payload.upper().replace("-", "").translate(_SAME_AS)
    values = [READABLE.index(char) for char in chars]  # ValueError for anything else: callers validate first
    return READABLE[_hybrid_check(values, len(READABLE))]


def _legacy_check_character(payload: str) -> str:
    values = [_LEGACY_ALPHABET.index(char) for char in payload.upper().replace("-", "")]
    return _LEGACY_ALPHABET[_hybrid_check(values, len(_LEGACY_ALPHABET))]


def make_receipt_number(station_id: str, day: dt.date, sequence: int) -> str:
    """`station_id` as in the config (GZ-HZ-0001), the station's local date, 1-based sequence."""
    station = station_id.replace("-", "").upper()
    if not re.fullmatch(r"[A-Z]{4}\d{4}", station):
        raise ValueError("station id must look like GZ-HZ-0001")
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    payload = f"{station}-{day:%y%m%d}-{sequence:03d}"
    return f"{payload}-{check_character(payload)}"


def verify_receipt_number(number: str) -> bool:
    """True when `number` has the format (current or earlier) and its check character matches.

    Case and surrounding blanks are forgiven (people type them); nothing else is.
    """
    candidate = number.strip().upper()
    for pattern, date_format, check in (
        (_PATTERN, "%y%m%d", check_character),
        (_LEGACY_PATTERN, "%Y%m%d", _legacy_check_character),
    ):
        match = pattern.match(candidate)
        if not match:
            continue
        try:
            dt.datetime.strptime(match.group(2), date_format)
        except ValueError:
            return False
        given = match.group(4)
        return check(candidate[:-2]) == (given.translate(_SAME_AS) if check is check_character else given)
    return False
