"""Masking of personal data for screens, receipts and CLI output.

The station shows just enough for a citizen to recognise their own document
(张*三, 4401**********123X) and never more; technician views show none of it.
"""

from __future__ import annotations

import datetime as dt


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明, "CHAN TAI MAN" -> "C*** T** M**"."""
    name = name.strip()
    if " " in name:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """Keep the first 4 and last 4 characters: 440106199001011234 -> 4401**********1234."""
    number = number.strip()
    if len(number) <= 8:
        keep = min(2, len(number) // 2)
        return "*" * (len(number) - keep) + number[len(number) - keep :]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_date(date: dt.date) -> str:
    """Keep the year only: 1990-**-**."""
    return f"{date.year:04d}-**-**"
