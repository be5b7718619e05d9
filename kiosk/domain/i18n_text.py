"""Text in the station's three languages, as catalogs carry it."""

from __future__ import annotations

import enum

from offline_queue.catalog_schema import LocalText  # the catalog's texts are wire content

__all__ = ["Lang", "LocalText"]


class Lang(enum.StrEnum):
    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"
    EN = "en"
