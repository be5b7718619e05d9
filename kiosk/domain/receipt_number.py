"""Receipt numbers a citizen can read out over the phone, with a check character.

Format: `GZHZ0001-20261123-0042-K`
    station id without dashes - local date - sequence of the day (4+ digits) - check.
The check character is ISO 7064 MOD 37,36 (the hybrid system for alphanumeric strings,
check character from 0-9A-Z): it catches every single wrong character and nearly every
swap of two neighbours, the errors people make when they copy or dictate a number.
"""

from __future__ import annotations

import datetime as dt
import re

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36
_PATTERN = re.compile(r"^([A-Z]{4}\d{4})-(\d{8})-(\d{4,})-([0-9A-Z])$")


def check_character(payload: str) -> str:
    """ISO 7064 MOD 37,36 check character over the letters and digits of `payload`."""
    p = _M
    for char in payload.upper():
        if char == "-":
            continue
        value = _ALPHABET.index(char)  # ValueError for anything else: callers validate first
        s = (p + value) % _M or _M
        p = (2 * s) % (_M + 1)
    return _ALPHABET[(_M + 1 - p) % _M]


def make_receipt_number(station_id: str, day: dt.date, sequence: int) -> str:
    """`station_id` as in the config (GZ-HZ-0001), the station's local date, 1-based sequence."""
    station = station_id.replace("-", "").upper()
    if not re.fullmatch(r"[A-Z]{4}\d{4}", station):
        raise ValueError("station id must look like GZ-HZ-0001")
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    payload = f"{station}-{day:%Y%m%d}-{sequence:04d}"
    return f"{payload}-{check_character(payload)}"


def verify_receipt_number(number: str) -> bool:
    """True when `number` has the format and its check character matches.

    Case and surrounding blanks are forgiven (people type them); nothing else is.
    """
    candidate = number.strip().upper()
    match = _PATTERN.match(candidate)
    if not match:
        return False
    try:
        dt.datetime.strptime(match.group(2), "%Y%m%d")
    except ValueError:
        return False
    return check_character(candidate[: -2]) == match.group(4)
