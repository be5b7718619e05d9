"""Large characters (3 rows each) for the receipt number, readable from a step back.

Textual's `Digits` has no letters beyond A-F, and receipt numbers carry station letters
and an alphanumeric check character. Zero is slashed and 5/S, 1/I differ, because citizens
copy or dictate this number when the printer fails.
"""

from __future__ import annotations

from textual.widgets import Static

GLYPHS: dict[str, tuple[str, str, str]] = {
    "0": ("╭─╮", "│╱│", "╰─╯"), "1": ("╶┐ ", " │ ", "╶┴╴"), "2": ("╶─╮", "┌─┘", "└─╴"),
    "3": ("╶─╮", " ─┤", "╶─╯"), "4": ("╷ ╷", "└─┤", "  ╵"), "5": ("┌─╴", "└─╮", "╶─┘"),
    "6": ("╭─╴", "├─╮", "╰─╯"), "7": ("╶─┐", "  │", "  ╵"), "8": ("╭─╮", "├─┤", "╰─╯"),
    "9": ("╭─╮", "╰─┤", "╶─╯"), "A": ("╭─╮", "├─┤", "╵ ╵"), "B": ("┌─╮", "├─┤", "└─╯"),
    "C": ("╭─╴", "│  ", "╰─╴"), "D": ("┌─╮", "│ │", "└─╯"), "E": ("┌─╴", "├─ ", "└─╴"),
    "F": ("┌─╴", "├─ ", "╵  "), "G": ("╭─╴", "│╶┐", "╰─╯"), "H": ("╷ ╷", "├─┤", "╵ ╵"),
    "I": ("╶┬╴", " │ ", "╶┴╴"), "J": ("╶─┐", "  │", "╰─╯"), "K": ("╷ ╱", "├┤ ", "╵ ╲"),
    "L": ("╷  ", "│  ", "└─╴"), "M": ("┌┬┐", "│││", "╵ ╵"), "N": ("┌╮╷", "│╲│", "╵╰┘"),
    "O": ("╭─╮", "│ │", "╰─╯"), "P": ("┌─╮", "├─╯", "╵  "), "Q": ("╭─╮", "│ │", "╰─╲"),
    "R": ("┌─╮", "├┬╯", "╵╰╴"), "S": ("╭─╴", "╰─╮", "╶─╯"), "T": ("╶┬╴", " │ ", " ╵ "),
    "U": ("╷ ╷", "│ │", "╰─╯"), "V": ("╷ ╷", "╲ ╱", " ╵ "), "W": ("╷ ╷", "│││", "└┴┘"),
    "X": ("╲ ╱", " ╳ ", "╱ ╲"), "Y": ("╲ ╱", " │ ", " ╵ "), "Z": ("╶─╱", " ╱ ", "╱─╴"),
    "-": ("   ", "╶─╴", "   "), " ": ("   ", "   ", "   "),
}  # fmt: skip


def big_lines(text: str) -> list[str]:
    """`text` (upper-cased) as three lines of glyphs, one column apart."""
    glyphs = [GLYPHS.get(char, GLYPHS[" "]) for char in text.upper()]
    return [" ".join(glyph[row] for glyph in glyphs) for row in range(3)]


class BigText(Static):
    """A line of large characters."""

    DEFAULT_CSS = """
    BigText { width: auto; height: 3; text-style: bold; }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__("\n".join(big_lines(text)), id=id, markup=False)
        self.text = text
