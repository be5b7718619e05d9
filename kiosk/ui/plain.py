"""Text is text: what a widget shows is characters, never Textual markup or terminal controls.

Textual parses a `str` handed to `Static`, `Button` or a `DataTable` cell as markup. A
catalog's service name `[@click=app.screenshot('precious.db','dir')]…[/]` became a
clickable title whose tap overwrote a file, `[bold red]` restyled buttons and an address
holding `[/]` raised `MarkupError` (issue 12, finding 3). Control characters (ESC, C1 CSI
0x9B) reach the terminal raw, and bidirectional overrides reorder what is read. So every
text a widget shows, from a catalog, a card, a file, the audit trail, an exception or the
network, goes through `displayable` and is handed to Textual already built (`Content`, or
rich `Text` for tables): nothing is parsed. The station's own messages (`kiosk/ui/i18n`)
carry no markup, so they take the same path and values formatted into them need no escaping.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

#: Shown as U+FFFD, so a technician sees that something was there: C0 controls but the
#: line break (the screens' own multi-line texts use it), DEL, and the C1 controls.
_CONTROLS = [*(code for code in range(0x20) if code not in (0x09, 0x0A)), 0x7F, *range(0x80, 0xA0)]
#: Dropped: invisible marks and overrides that only change the order characters are shown in.
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_CONTROLS, "\ufffd"),
    **dict.fromkeys(_BIDI, None),
    0x09: " ",  # a tab is a space (cells do not expand tabs)
}


def displayable(text: str) -> str:
    """`text` with control characters replaced by U+FFFD and bidi controls removed."""
    return text.translate(_TABLE)


def plain(text: str) -> Content:
    """`text` as Textual content that is never parsed as markup."""
    return Content(displayable(text))


def plain_cell(text: str) -> Text:
    """`text` as a one-line `DataTable` cell: what the table makes of a markup-free `str`
    (no wrap, no trailing line end), without parsing it as rich markup."""
    return Text(displayable(text), no_wrap=True, end="")
