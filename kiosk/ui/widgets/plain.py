"""The widgets every screen uses for text: `Static`, `Label`, `Button` and `DataTable` that
never parse markup and never pass a control character (see `kiosk/ui/plain.py`).

A fix at this depth, not `markup=False` at each call: a text set later (`update`, a
button's `label`, a table row) goes through the same filter as the first one.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Button, DataTable, Label, Static

from kiosk.ui.plain import plain, plain_cell


class _PlainText:
    """For `Static` and its subclasses: the text given at creation and to `update`."""

    def __init__(self, text: str = "", **options: Any) -> None:
        super().__init__(plain(text), markup=False, **options)  # type: ignore[call-arg]

    def update(self, text: str = "", *, layout: bool = True) -> None:
        super().update(plain(text), layout=layout)  # type: ignore[misc]


class PlainStatic(_PlainText, Static):
    """A `Static` showing plain text."""


class PlainLabel(_PlainText, Label):
    """A `Label` (sized to its text) showing plain text."""


class PlainButton(Button):
    """A `Button` whose label, at creation or set later, is plain text."""

    def __init__(self, label: str, **options: Any) -> None:
        super().__init__(plain(label), **options)

    def validate_label(self, label: str | Content) -> Content:  # type: ignore[override]
        return label if isinstance(label, Content) else plain(label)


class PlainTable(DataTable):
    """A `DataTable` whose column labels and cells are plain text."""

    def add_column(self, label: str, **options: Any) -> Any:  # type: ignore[override]
        return super().add_column(plain_cell(label), **options)

    def add_row(self, *cells: str, **options: Any) -> Any:  # type: ignore[override]
        return super().add_row(*(plain_cell(cell) for cell in cells), **options)
