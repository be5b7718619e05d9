"""What every device kind's backend table shares: the settings check of a backend's name.

Each kind (`devices/card`, `devices/camera`, `devices/printer`) keeps a table name ->
builder in its `factory.py`; its settings accept exactly the table's names, and a wrong
one is answered with the list of known ones (what `doctor` and a technician then read).
"""

from __future__ import annotations

from collections.abc import Mapping


def known_backend(kind: str, name: str, table: Mapping[str, object]) -> str:
    """`name` when `table` has it, else ValueError naming the known ones."""
    if name not in table:
        raise ValueError(f"unknown {kind} backend {name!r}; choose one of {', '.join(table)}")
    return name
