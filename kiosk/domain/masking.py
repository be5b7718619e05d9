"""Masking of personal data for screens, receipts and CLI output.

The station shows just enough for a citizen to recognise their own document
(张*, 4401**********123X, S****, J*** 史*斯) and never more; technician views show none of
it. How much of a document number stays visible depends on the document: an 18-character
resident ID keeps 8 of 18, a 9-character passport number only 4 (issue 15, finding 4: the
generic rule left 8 of 9 visible).
"""

from __future__ import annotations

import datetime as dt

#: Documents whose numbers are short (8-9 characters): keep the first two and last two.
SHORT_NUMBER_DOCUMENTS = frozenset({"passport", "travel_permit"})


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明, "SMITH, JOHN" -> "S****, J***".

    A name with blanks is masked word by word, keeping each word's first letter and
    any punctuation (the comma of "SURNAME, GIVEN NAMES").
    """
    name = name.strip()
    if " " in name:
        return " ".join(_mask_word(word) for word in name.split())
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_word(word: str) -> str:
    return word[0] + "".join(char if not char.isalnum() else "*" for char in word[1:])


def is_latin(name: str) -> bool:
    """Whether a name is written in Latin letters only (a passport's "LI SI")."""
    return all(char.isascii() for char in name)


def mask_identity_name(name: str, latin_name: str = "") -> str:
    """The name a citizen sees for an identity: the Latin name first when the document has
    one, the Chinese name beside it (foreigners read their Latin name; finding 3)."""
    shown = [mask_name(part) for part in dict.fromkeys((latin_name.strip(), name.strip())) if part]
    if len(shown) == 2 and is_latin(name):
        shown = shown[:1]  # a Latin name given twice in two spellings: show the document's Latin one
    return "  ".join(shown)


def mask_id_number(number: str, document: str = "") -> str:
    """Keep the first 4 and last 4 characters: 440106199001011234 -> 4401**********1234;
    a passport or travel permit number keeps the first 2 and last 2: E1*****78."""
    number = number.strip()
    if document in SHORT_NUMBER_DOCUMENTS and len(number) > 4:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    if len(number) <= 8:
        keep = min(2, len(number) // 2)
        return "*" * (len(number) - keep) + number[len(number) - keep :]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_date(date: dt.date) -> str:
    """Keep the year only: 1990-**-**."""
    return f"{date.year:04d}-**-**"
