"""The UI's message catalogs: every visible word comes from `t(key, lang)`.

One TOML file per language (`zh-Hans.toml`, `zh-Hant.toml`, `en.toml`), tables flattened
to dotted keys (`[attract] title` -> `attract.title`). A missing key is a bug, so `t`
raises `KeyError` instead of showing a key to a citizen; a test checks that the three
catalogs have the same keys and the same `{placeholders}`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from kiosk.domain.catalog import Promise
from kiosk.domain.i18n_text import Lang


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def catalog(lang: Lang) -> dict[str, str]:
    """All messages of one language as {dotted key: text}."""
    text = resources.files(__name__).joinpath(f"{lang.value}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def t(key: str, lang: Lang, /, **values: object) -> str:
    """The message `key` in `lang`, with `{name}` placeholders filled from `values`."""
    text = catalog(lang)[key]
    return text.format(**values) if values else text


def promise_text(promise: Promise, lang: Lang) -> str:
    """How long a service takes: "instant" or "N working days"."""
    if promise.instant:
        return t("promise.instant", lang)
    return t("promise.days", lang, days=promise.working_days)
