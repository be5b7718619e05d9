"""Technician mode's three message files have the same keys and the same placeholders."""

from __future__ import annotations

import string

from kiosk.domain.i18n_text import Lang
from kiosk.ui.technician.text import messages, tt


def _shape(lang: Lang) -> dict[str, set[str]]:
    return {
        f"{section}.{name}": {field for _, field, _, _ in string.Formatter().parse(text) if field}
        for section, table in messages(lang).items()
        for name, text in table.items()
    }


def test_catalogs_match():
    reference = _shape(Lang.EN)
    for lang in (Lang.ZH_HANS, Lang.ZH_HANT):
        assert _shape(lang) == reference, lang


def test_placeholders_fill():
    assert tt("login.wrong", Lang.ZH_HANS, tries=3) == "验证未通过。再错 3 次将锁定登录。"
    assert tt("nav.leave", Lang.EN) == "Leave kiosk mode"
