"""ICAO 9303 machine readable zone: TD1, TD2, TD3 parsing, check digits, the BAC key input.

The MRZ is read from DG1 of the chip (and typed by the citizen for BAC). Every field with
a check digit is verified, plus the composite check digit; any mismatch or malformed field
raises `MrzError` (a `CardRejected`). Error messages name the field, never its value.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from devices.card.base import DocumentKind, Identity, MrzKey
from devices.errors import CardRejected

_ALLOWED = re.compile(r"[0-9A-Z<]*")


class MrzError(CardRejected):
    """The MRZ is malformed or one of its check digits does not match."""


class MrzFormat(enum.StrEnum):
    TD1 = "TD1"  # ID-1 cards: 3 lines x 30 (e.g. 往来港澳通行证 card, national ID cards)
    TD2 = "TD2"  # ID-2: 2 lines x 36
    TD3 = "TD3"  # passports: 2 lines x 44


_SHAPES = {(3, 30): MrzFormat.TD1, (2, 36): MrzFormat.TD2, (2, 44): MrzFormat.TD3}


def _char_value(ch: str) -> int:
    if ch.isascii() and ch.isdigit():
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == "<":
        return 0
    raise MrzError("MRZ contains a character outside 0-9 A-Z <")


def check_digit(field: str) -> str:
    """The ICAO 9303 part 3 check digit (weights 7, 3, 1; A=10..Z=35; '<'=0) as a char."""
    return str(sum(_char_value(ch) * (7, 3, 1)[i % 3] for i, ch in enumerate(field)) % 10)


def _verify(field: str, digit: str, name: str, *, optional: bool = False) -> None:
    if optional and digit == "<" and set(field) <= {"<"}:
        return  # an empty optional field may carry a filler instead of a digit
    if digit != check_digit(field):
        raise MrzError(f"MRZ check digit of {name} does not match")


def _date(yymmdd: str, name: str, *, future_ok: bool) -> dt.date:
    if not re.fullmatch(r"\d{6}", yymmdd):
        raise MrzError(f"MRZ {name} is not YYMMDD")
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    today = dt.date.today()
    year = 2000 + yy
    # Birth dates are never in the future; expiry dates are at most ~50 years ahead.
    if (not future_ok and year > today.year) or (future_ok and year > today.year + 50):
        year -= 100
    try:
        return dt.date(year, mm, dd)
    except ValueError:
        raise MrzError(f"MRZ {name} is not a calendar date") from None


def _text(field: str) -> str:
    return " ".join(field.replace("<", " ").split())


@dataclass(frozen=True, slots=True)
class Mrz:
    """A parsed, verified MRZ. Personal data: `repr` is masked."""

    format: MrzFormat
    document_code: str
    issuing_state: str
    document_number: str
    birth_date: dt.date
    sex: str
    expiry_date: dt.date
    nationality: str
    surname: str
    given_names: str
    optional_data: str

    def __repr__(self) -> str:
        return f"Mrz(format={self.format.value}, <masked>)"

    __str__ = __repr__

    def identity(self, photo: bytes = b"") -> Identity:
        """The station's typed identity for this document."""
        kind = DocumentKind.PASSPORT if self.format is MrzFormat.TD3 else DocumentKind.TRAVEL_PERMIT
        name = " ".join(part for part in (self.surname, self.given_names) if part)
        return Identity(
            kind=kind,
            name=name,
            latin_name=name,  # the MRZ only has the Latin transliteration
            id_number=self.document_number,
            birth_date=self.birth_date,
            sex=self.sex,
            nationality=self.nationality,
            issuer=self.issuing_state,
            valid_to=self.expiry_date,
            photo=photo,
        )


def _split_lines(text: str) -> tuple[MrzFormat, list[str]]:
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if len(lines) == 1:  # DG1 stores the MRZ without line breaks
        flat = lines[0]
        for (count, width), fmt in _SHAPES.items():
            if len(flat) == count * width:
                return fmt, [flat[i * width : (i + 1) * width] for i in range(count)]
        raise MrzError("MRZ length matches none of TD1, TD2, TD3")
    fmt = _SHAPES.get((len(lines), len(lines[0]) if lines else 0))
    if fmt is None or any(len(line) != len(lines[0]) for line in lines):
        raise MrzError("MRZ shape matches none of TD1, TD2, TD3")
    return fmt, lines


def _sex(ch: str) -> str:
    if ch in ("M", "F"):
        return ch
    if ch in ("<", "X"):
        return ""
    raise MrzError("MRZ sex field is not M, F, X or <")


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return _text(surname), _text(given)


def parse_mrz(text: str) -> Mrz:
    """Parse and verify an MRZ given as lines, or as one run of characters (as in DG1)."""
    fmt, lines = _split_lines(text)
    if not all(_ALLOWED.fullmatch(line) for line in lines):
        raise MrzError("MRZ contains a character outside 0-9 A-Z <")
    if fmt is MrzFormat.TD1:
        l1, l2, l3 = lines
        number, number_cd, optional1 = l1[5:14], l1[14], l1[15:30]
        if number_cd == "<":  # long document number continues in the optional data
            overflow = optional1.split("<", 1)[0]
            if len(overflow) < 2:
                raise MrzError("MRZ long document number is truncated")
            number, number_cd = number + overflow[:-1], overflow[-1]
            optional1 = optional1[len(overflow) :]
            _verify(l1[5:14] + overflow[:-1], number_cd, "document number")
        else:
            _verify(number, number_cd, "document number")
        _verify(l2[0:6], l2[6], "birth date")
        _verify(l2[8:14], l2[14], "expiry date")
        _verify(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], "composite")
        surname, given = _names(l3)
        birth, sex, expiry, nationality = l2[0:6], l2[7], l2[8:14], l2[15:18]
        optional = _text(optional1 + "<" + l2[18:29])
    else:
        l1, l2 = lines
        number, number_cd = l2[0:9], l2[9]
        _verify(number, number_cd, "document number")
        _verify(l2[13:19], l2[19], "birth date")
        _verify(l2[21:27], l2[27], "expiry date")
        if fmt is MrzFormat.TD3:
            _verify(l2[28:42], l2[42], "optional data", optional=True)
            _verify(l2[0:10] + l2[13:20] + l2[21:43], l2[43], "composite")
            optional = _text(l2[28:42])
        else:
            _verify(l2[0:10] + l2[13:20] + l2[21:35], l2[35], "composite")
            optional = _text(l2[28:35])
        surname, given = _names(l1[5:])
        birth, sex, expiry, nationality = l2[13:19], l2[20], l2[21:27], l2[10:13]
    document_number = number.replace("<", "")
    if not document_number:
        raise MrzError("MRZ document number is empty")
    return Mrz(
        format=fmt,
        document_code=l1[0:2].replace("<", ""),
        issuing_state=l1[2:5].replace("<", ""),
        document_number=document_number,
        birth_date=_date(birth, "birth date", future_ok=False),
        sex=_sex(sex),
        expiry_date=_date(expiry, "expiry date", future_ok=True),
        nationality=nationality.replace("<", ""),
        surname=surname,
        given_names=given,
        optional_data=optional,
    )


def bac_key_input(key: MrzKey) -> bytes:
    """The 'MRZ information' BAC hashes: number (padded to >= 9 with '<') + check digit,
    birth date + check digit, expiry date + check digit (ICAO 9303 part 11, 9.7.1)."""
    number = key.document_number.strip().upper()
    if not number or not re.fullmatch(r"[0-9A-Z<]{1,22}", number):
        raise MrzError("document number must be 1-22 characters of 0-9 A-Z")
    for name, value in (("birth date", key.birth_yymmdd), ("expiry date", key.expiry_yymmdd)):
        if not re.fullmatch(r"\d{6}", value):
            raise MrzError(f"{name} must be YYMMDD")
    number = number.ljust(9, "<")
    text = (
        number + check_digit(number)
        + key.birth_yymmdd + check_digit(key.birth_yymmdd)
        + key.expiry_yymmdd + check_digit(key.expiry_yymmdd)
    )
    return text.encode("ascii")
