"""The message catalogs: same keys and placeholders in every language, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from devices.card.base import DocumentKind
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import catalog, t
from kiosk.ui.screens.capture import GUIDANCE_KEYS

UI = Path(__file__).parents[3] / "kiosk" / "ui"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", [Lang.ZH_HANT, Lang.EN])
def test_every_language_has_the_same_keys_and_placeholders(lang):
    base, other = catalog(Lang.ZH_HANS), catalog(lang)
    assert set(other) == set(base)
    for key, text in base.items():
        assert _placeholders(other[key]) == _placeholders(text), key


def test_every_key_the_code_names_exists():
    code = "\n".join(p.read_text("utf-8") for p in UI.rglob("*.py") if "technician" not in p.parts)
    literal = set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", code))
    dynamic = (
        {f"step.{s.value}" for s in Step}
        | {f"doc.{k.value}" for k in DocumentKind}
        | {f"device.{d}" for d in ("printer", "camera", "card")}
        | {f"keypad.placeholder.{m}" for m in ("digits", "date", "alnum")}
        | {f"form.error.{e}" for e in ("required", "too_long", "choice", "phone", "number", "date", "pattern")}
        | {"choose.reason.document", "choose.reason.device", "submit.error.full", "submit.error.other"}
        | {f"done.print_error.{e}" for e in ("paper", "cover", "offline", "other")}
        | {"identify.error.rejected", "identify.error.mrz", "identify.error.read", "identify.error.device"}
        | set(GUIDANCE_KEYS.values())
    )
    assert len(literal) > 40
    missing = sorted(key for key in literal | dynamic if key not in catalog(Lang.ZH_HANS))
    assert missing == []


def test_missing_key_raises_instead_of_showing_the_key():
    """Bad input: a key no catalog has."""
    with pytest.raises(KeyError):
        t("no.such.key", Lang.EN)
    assert t("promise.days", Lang.EN, days=3) == "3 working days"
