"""Technician mode's words, in the station's three languages (`i18n/<lang>.toml`).

Kept apart from the citizen catalogs so the two can change independently; keys are
`section.name`, and a missing key raises (a test checks the three files match).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from kiosk.domain.i18n_text import Lang


@cache
def messages(lang: Lang) -> dict[str, dict[str, str]]:
    source = resources.files(__package__).joinpath("i18n", f"{lang.value}.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


def tt(key: str, lang: Lang, /, **values: object) -> str:
    section, _, name = key.partition(".")
    text = messages(lang)[section][name]
    return text.format(**values) if values else text
