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


def wrapped_big_lines(text: str, width: int, wrap_at: str) -> list[str]:
    """`text` as large characters in as few rows of glyphs as fit `width` cells, broken
    only after a `wrap_at` character (a receipt number breaks after a dash, never inside a
    group a citizen reads out)."""
    pieces = [piece + wrap_at for piece in text.split(wrap_at)] if wrap_at else [text]
    pieces[-1] = pieces[-1].removesuffix(wrap_at)
    rows: list[str] = []
    for piece in pieces:
        if rows and len(big_lines(rows[-1] + piece)[0]) <= width:
            rows[-1] += piece
        else:
            rows.append(piece)
    return [line for row in rows for line in big_lines(row)]


class BigText(Static):
    """Large characters; with `wrap_at`, on several rows when one does not fit the screen."""

    DEFAULT_CSS = """
    BigText { width: auto; height: auto; text-style: bold; }
    """

    def __init__(self, text: str, *, id: str | None = None, wrap_at: str = "") -> None:
        super().__init__("\n".join(big_lines(text)), id=id, markup=False)
        self.text = text
        self.wrap_at = wrap_at

    def on_mount(self) -> None:
        if self.wrap_at:
            width = self.screen.size.width - 4
            self.update("\n".join(wrapped_big_lines(self.text, width, self.wrap_at)))
