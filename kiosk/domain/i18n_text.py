"""Text in the station's three languages, as catalogs carry it."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class Lang(enum.StrEnum):
    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"
    EN = "en"


class LocalText(BaseModel):
    """One string per language; zh-Hans is required, the others fall back to it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    zh_hant: str | None = Field(default=None, alias="zh-Hant")
    en: str | None = None

    def get(self, lang: Lang) -> str:
        if lang is Lang.ZH_HANT and self.zh_hant:
            return self.zh_hant
        if lang is Lang.EN and self.en:
            return self.en
        return self.zh_hans
