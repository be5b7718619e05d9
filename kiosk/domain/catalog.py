"""The service catalog: which services a station offers and what each one asks for.

Admins sign catalogs (see `offline_queue.catalog_bundle`); the station validates the
payload with this model before using it, and `run_kiosk.py catalog validate` reports every
problem with its path so that one typo cannot reach 300 stations.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiosk.domain.i18n_text import LocalText

#: Where a form field may take its pre-filled value from (the identity just read).
PREFILL_SOURCES = frozenset(
    {
        "identity.name",
        "identity.id_number",
        "identity.birth_date",
        "identity.sex",
        "identity.nationality",
        "identity.address",
        "identity.document_kind",
    }
)

#: Identity documents a service may accept (values of devices.card.base.DocumentKind).
IDENTITY_DOCUMENTS = frozenset(
    {"resident_id", "hmt_residence_permit", "foreign_permanent", "passport", "travel_permit"}
)

#: The nine mainland cities of the Greater Bay Area (plus the two SARs for 跨境 services).
CITIES = frozenset(
    {
        "guangzhou", "shenzhen", "zhuhai", "foshan", "huizhou", "dongguan", "zhongshan",
        "jiangmen", "zhaoqing", "hongkong", "macao",
    }
)


#: Service codes the station uses for its own outbox records (the audit trail's forwarding).
RESERVED_CODES = frozenset({"AUDIT"})


class FieldType(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    PHONE = "phone"
    NUMBER = "number"
    AMOUNT = "amount"  # money: more than zero, at most two decimals (a decimal point key)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str = Field(min_length=1)
    label: LocalText


class FormField(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: LocalText
    type: FieldType
    required: bool = True
    prefill: str | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] = ()
    max_length: int = Field(default=64, ge=1, le=500)
    #: What a right value looks like, shown when the value does not match `pattern`
    #: ("16 to 19 digits, as on the card"), instead of a generic "wrong format".
    hint: LocalText | None = None
    #: Which dates a date field takes: up to today (a move-in, a birth), from today, or any.
    dates: Literal["past", "future", "any"] = "past"

    @field_validator("prefill")
    @classmethod
    def _known_source(cls, value: str | None) -> str | None:
        if value is not None and value not in PREFILL_SOURCES:
            raise ValueError(f"unknown source {value!r}")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _choices_match_type(self) -> FormField:
        if self.type is FieldType.CHOICE and not self.choices:
            raise ValueError("a choice field needs at least one choice")
        if self.type is not FieldType.CHOICE and self.choices:
            raise ValueError("only choice fields have choices")
        return self


class DocumentRequirement(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    label: LocalText
    kind: Literal["a4", "id1", "passport", "booklet"]
    pages: int = Field(default=1, ge=1, le=20)


class Promise(_Strict):
    """Instant approval, or a number of working days."""

    instant: bool = False
    working_days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _one_of(self) -> Promise:
        if self.instant == (self.working_days is not None):
            raise ValueError("give either instant: true or working_days")
        return self


class Service(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{2,31}$")
    name: LocalText
    description: LocalText
    department: LocalText
    cities: tuple[str, ...] = Field(min_length=1)
    identity_documents: tuple[str, ...] = Field(min_length=1)
    #: ISO 3166-1 alpha-3 nationalities the service is not for (a foreigners' service lists
    #: "CHN", so a Chinese passport holder is not offered it). Optional: catalogs without it
    #: stay valid (issue 15, finding 5).
    excluded_nationalities: tuple[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], ...] = ()
    fields: tuple[FormField, ...] = ()
    documents: tuple[DocumentRequirement, ...] = ()
    promise: Promise
    requires: tuple[Literal["printer", "camera", "card"], ...] = ()

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_CODES:
            raise ValueError(f"{value!r} is reserved for the station's own records")
        return value

    @field_validator("cities")
    @classmethod
    def _known_cities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - CITIES)
        if unknown:
            raise ValueError(f"unknown cities {unknown}")
        return value

    @field_validator("identity_documents")
    @classmethod
    def _known_documents(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - IDENTITY_DOCUMENTS)
        if unknown:
            raise ValueError(f"unknown identity documents {unknown}")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Service:
        for what, ids in (("field", [f.id for f in self.fields]), ("document", [d.id for d in self.documents])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} ids {dupes}")
        return self


class Catalog(_Strict):
    region: str = Field(pattern=r"^\d{6}$")
    version: int = Field(ge=1)
    issued_at: dt.datetime
    effective_from: dt.datetime
    expires_at: dt.datetime | None = None
    services: tuple[Service, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalog:
        codes = [s.code for s in self.services]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate service codes {dupes}")
        return self

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(code)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_catalog(data: Any) -> list[str]:
    """Every problem in a catalog payload, one `path: message` string each (empty = valid)."""
    try:
        Catalog.model_validate(data)
    except ValidationError as exc:
        found = exc.errors()
        # pydantic also reports "too short" for a list whose only items were invalid: noise.
        nested = {tuple(e["loc"][:-1]) for e in found if len(e["loc"]) > 1}
        errors = []
        for err in found:
            if err["type"] == "too_short" and any(n[: len(err["loc"])] == tuple(err["loc"]) for n in nested):
                continue
            message = err["msg"].removeprefix("Value error, ")
            where = _path(tuple(err["loc"]))
            errors.append(f"{where}: {message}" if where else message)
        return errors
    return []
