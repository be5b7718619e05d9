"""A real station `Config` for tests of CLI commands and the composition root.

Commands build what they need through `kiosk.bootstrap` from a whole `Config`, as a station
does; a stub with one section would test less than the station runs. `station_config(card=
...)` loads a minimal config file (simulated devices, no secrets) from a fresh folder and
replaces the sections a test sets.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from kiosk.config import Config, load_config

#: The folders live under one temporary root, removed when the test process ends.
_ROOT = tempfile.TemporaryDirectory(prefix="kiosk-test-config-")

BASE = """
[station]
data_dir = "var"
[card]
backend = "simulated"
[camera]
backend = "simulated"
[printer]
backend = "simulated"
[audit]
db_path = "var/audit.sqlite3"
"""


def station_config(extra: str = "", **sections: Any) -> Config:
    """A loaded station config; `extra` is TOML appended to the file, `sections` replace
    whole sections of the loaded config (`card=CardSettings(...)`)."""
    path = Path(tempfile.mkdtemp(dir=_ROOT.name)) / "config.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return dataclasses.replace(load_config(path), **sections)
