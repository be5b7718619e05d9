"""What a catalog payload may contain: the one validator, for the admin's tools, the hub and the station.

A catalog is wire content: an admin signs it, the hub publishes it, every station of the
region renders it to citizens. So it is judged in one place, here, by the admin's
`catalog validate`/`sign`, by the hub before it publishes (400 with these errors) and by the
station before it stages a bundle (`catalog_bundle.verify_bundle`); a signed catalog that
fails is refused everywhere, for the same reasons. `validate_catalog` is a plain function of
a payload, so a later catalog per issuer reuses it unchanged.

Beyond the shape, strings are *plain text*: no C0/C1 control characters (they reach a
printer in text mode as commands), no bidirectional overrides or isolates (they make a
service read as another), no lone surrogates or line separators, and each has a length limit.
Numbers are strict (a bool is not a version) and bounded so every store can hold them; times
are RFC 3339 with an offset. Error messages name the path and the rule, never echo the
offending characters raw (they are shown in terminals and logs).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

#: Versions are 1..2^53-1: exact in every JSON reader (JavaScript's too) and in SQLite's INTEGER.
MAX_VERSION = 2**53 - 1

#: Bidirectional formatting characters: embeddings and overrides (U+202A-U+202E), isolates
#: (U+2066-U+2069) and the marks (LRM, RLM, ALM). Unicode category Cf, so listed by hand.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f", "\u061c"]
)

#: Unicode categories never allowed: controls (C0, DEL, C1), line and paragraph separators.
#: (Lone surrogates never get this far: pydantic refuses them as strings.)
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def plain_text_problem(text: str) -> str | None:
    """Why `text` is not plain text (the first offending character, as a code point), or None."""
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS:
            return f"bidirectional control character U+{ord(char):04X} at position {index}"
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            return f"control character U+{ord(char):04X} at position {index}"
    return None


def _plain(text: str) -> str:
    problem = plain_text_problem(text)
    if problem is not None:
        raise ValueError(f"not plain text: {problem}")
    return text


def Text(max_length: int, *, pattern: str | None = None) -> Any:  # noqa: N802 (a type factory)
    """A strict string of 1..`max_length` characters of plain text (optionally matching `pattern`)."""
    return Annotated[StrictStr, Field(min_length=1, max_length=max_length, pattern=pattern), AfterValidator(_plain)]


#: RFC 3339 date-time with a mandatory offset (`Z` or `+08:00`): no naive or date-only times.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> dt.datetime:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 time with an offset, e.g. 2026-11-21T00:00:00+08:00")
    try:
        return dt.datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("not a valid date and time") from None


Rfc3339 = Annotated[dt.datetime, BeforeValidator(_rfc3339)]

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

#: A service code: upper-case ASCII letters, digits, `-` and `_`; it travels in submissions,
#: file names and widget ids.
SERVICE_CODE = r"^[A-Z0-9][A-Z0-9_-]{2,31}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(BaseModel):
    """One string per language; zh-Hans is required, the others fall back to it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    zh_hans: Text(1000) = Field(alias="zh-Hans")
    zh_hant: Text(1000) | None = Field(default=None, alias="zh-Hant")
    en: Text(1000) | None = None

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh-Hans", "zh-Hant", "en"), falling back to zh-Hans."""
        if lang == "zh-Hant" and self.zh_hant:
            return self.zh_hant
        if lang == "en" and self.en:
            return self.en
        return self.zh_hans


def _at_most(limit: int) -> AfterValidator:
    """Each language's text of a `LocalText` at most `limit` characters (names are short)."""

    def check(text: LocalText) -> LocalText:
        for value in (text.zh_hans, text.zh_hant, text.en):
            if value is not None and len(value) > limit:
                raise ValueError(f"at most {limit} characters per language")
        return text

    return AfterValidator(check)


#: Names, labels, departments: one line on a button or a receipt.
ShortText = Annotated[LocalText, _at_most(80)]


class FieldType(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    PHONE = "phone"
    NUMBER = "number"
    AMOUNT = "amount"  # money: more than zero, at most two decimals (a decimal point key)


class Choice(_Strict):
    value: Text(64)
    label: ShortText


class FormField(_Strict):
    id: Text(32, pattern=r"^[a-z][a-z0-9_]*$")
    label: ShortText
    type: FieldType
    required: StrictBool = True
    prefill: StrictStr | None = None
    pattern: Text(200) | None = None
    choices: tuple[Choice, ...] = Field(default=(), max_length=50)
    max_length: StrictInt = Field(default=64, ge=1, le=500)
    #: What a right value looks like, shown when the value does not match `pattern`
    #: ("16 to 19 digits, as on the card"), instead of a generic "wrong format".
    hint: ShortText | None = None
    #: Which dates a date field takes: up to today (a move-in, a birth), from today, or any.
    dates: Literal["past", "future", "any"] = "past"

    @field_validator("prefill")
    @classmethod
    def _known_source(cls, value: str | None) -> str | None:
        if value is not None and value not in PREFILL_SOURCES:
            raise ValueError(f"unknown source {value[:40]!r}")
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
    id: Text(32, pattern=r"^[a-z][a-z0-9_-]*$")
    label: ShortText
    kind: Literal["a4", "id1", "passport", "booklet"]
    pages: StrictInt = Field(default=1, ge=1, le=20)


class Promise(_Strict):
    """Instant approval, or a number of working days."""

    instant: StrictBool = False
    working_days: StrictInt | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="after")
    def _one_of(self) -> Promise:
        if self.instant == (self.working_days is not None):
            raise ValueError("give either instant: true or working_days")
        return self


def _known(values: tuple[str, ...], known: frozenset[str], what: str) -> tuple[str, ...]:
    unknown = sorted({value[:40] for value in values} - known)
    if unknown:
        raise ValueError(f"unknown {what} {unknown}")
    return values


class Service(_Strict):
    code: Text(32, pattern=SERVICE_CODE)
    name: ShortText
    description: LocalText
    department: ShortText
    cities: tuple[StrictStr, ...] = Field(min_length=1, max_length=len(CITIES))
    identity_documents: tuple[StrictStr, ...] = Field(min_length=1, max_length=len(IDENTITY_DOCUMENTS))
    #: ISO 3166-1 alpha-3 nationalities the service is not for (a foreigners' service lists
    #: "CHN", so a Chinese passport holder is not offered it). Optional: catalogs without it
    #: stay valid (issue 15, finding 5).
    excluded_nationalities: tuple[Text(3, pattern=r"^[A-Z]{3}$"), ...] = Field(default=(), max_length=50)
    fields: tuple[FormField, ...] = Field(default=(), max_length=50)
    documents: tuple[DocumentRequirement, ...] = Field(default=(), max_length=20)
    promise: Promise
    requires: tuple[Literal["printer", "camera", "card"], ...] = Field(default=(), max_length=3)
    #: The citizen's face is checked against the document's photo (人证核验) before the form;
    #: only stations with a working face camera offer such a service.
    face_check: bool = False

    @field_validator("code")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_CODES:
            raise ValueError(f"{value!r} is reserved for the station's own records")
        return value

    @field_validator("cities")
    @classmethod
    def _known_cities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known(value, CITIES, "cities")

    @field_validator("identity_documents")
    @classmethod
    def _known_documents(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known(value, IDENTITY_DOCUMENTS, "identity documents")

    @model_validator(mode="after")
    def _unique_ids(self) -> Service:
        for what, ids in (("field", [f.id for f in self.fields]), ("document", [d.id for d in self.documents])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} ids {dupes}")
        return self


class CatalogHeader(BaseModel):
    """The fields every catalog carries around its services: who, which version, when.

    `catalog_bundle.verify_bundle` reads these first (region, rollback, expiry) and ignores
    the rest; `Catalog` adds the services and forbids anything else.
    """

    model_config = ConfigDict(frozen=True)

    region: Text(6, pattern=r"^[0-9]{6}$")
    version: StrictInt = Field(ge=1, le=MAX_VERSION)
    issued_at: Rfc3339
    effective_from: Rfc3339
    expires_at: Rfc3339 | None = None

    @model_validator(mode="after")
    def _effective_before_expiry(self) -> CatalogHeader:
        if self.expires_at is not None and self.effective_from >= self.expires_at:
            raise ValueError("effective_from must be before expires_at")
        return self


class Catalog(CatalogHeader):
    model_config = ConfigDict(extra="forbid", frozen=True)

    services: tuple[Service, ...] = Field(min_length=1, max_length=200)

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


def error_lines(exc: ValidationError) -> list[str]:
    """pydantic's errors as `path: message` lines, without pydantic's noise."""
    found = exc.errors(include_input=False, include_url=False)
    # pydantic also reports "too short" for a list whose only items were invalid: noise.
    nested = {tuple(e["loc"][:-1]) for e in found if len(e["loc"]) > 1}
    lines = []
    for err in found:
        if err["type"] == "too_short" and any(n[: len(err["loc"])] == tuple(err["loc"]) for n in nested):
            continue
        message = err["msg"].removeprefix("Value error, ")
        where = _path(tuple(err["loc"]))
        lines.append(f"{where}: {message}" if where else message)
    return lines


def validate_catalog(data: Any) -> list[str]:
    """Every problem in a catalog payload, one `path: message` string each (empty = valid)."""
    try:
        Catalog.model_validate(data)
    except ValidationError as exc:
        return error_lines(exc)
    return []
