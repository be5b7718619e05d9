"""What a printed page is made of, before any printer command exists.

A layout (the receipt in `kiosk.domain.receipt_layout`, the test page in `self_test`) is a
list of these blocks; `render.to_escpos` turns them into one ESC/POS job and
`raster.render_image` into a picture. They live with the printer, not the domain, because
`devices` may not import `kiosk` while the station may import `devices`: both sides can
see them here. Plain frozen dataclasses and text arithmetic, no I/O.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from typing import Literal

Size = Literal["small", "normal", "large", "title"]

#: Joins words that must stay on one line; printed as a plain space.
NBSP = "\u00a0"


@dataclasses.dataclass(frozen=True, slots=True)
class Text:
    text: str
    size: Size = "normal"
    align: Literal["left", "center"] = "left"
    bold: bool = False
    #: Keep on one line (a number that must be read whole): smaller font rather than wrap.
    one_line: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal line across the paper."""


@dataclasses.dataclass(frozen=True, slots=True)
class QR:
    data: str


@dataclasses.dataclass(frozen=True, slots=True)
class Cut:
    """Cut the paper here (a feed on printers without a cutter): the layout says where a page ends."""


Block = Text | Rule | QR | Cut


def display_width(text: str) -> int:
    """Columns on a printer: wide (CJK, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    """Words for Latin runs (with their trailing space), single characters for CJK."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if display_width(ch) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
            if ch == " ":
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens


#: Unicode categories that never reach paper: controls (C0, C1, DEL), format characters
#: (bidirectional overrides and isolates among them), surrogates, private use, unassigned,
#: line and paragraph separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> str:
    """The one filter every printed text passes: what a catalog, a card or the network put in
    a string is printed as text, never as printer commands (in text mode an ESC or GS byte
    in a service name would reach the printer raw) nor as hidden reordering. Line breaks and
    tabs become spaces; every other unprintable character is dropped."""
    return "".join(
        " " if ch in "\t\n\r" else ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in _UNPRINTABLE
    )


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy wrap of `printable(text)`: as many tokens per line as `fits`; a token too long
    alone is split. Both renderers wrap every text through here, so nothing unfiltered prints.

    Lines come back with NBSP turned into plain spaces (NBSP only prevents a break)."""
    lines: list[str] = []
    line = ""
    for token in _tokens(printable(text)):
        if fits(line + token.rstrip()):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        for ch in token:
            if not fits(line + ch) and line:
                lines.append(line)
                line = ""
            line += ch
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return [line.replace(NBSP, " ") for line in lines]
