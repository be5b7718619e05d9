"""What a card reader is, as the station sees it.

A reader yields `CardEvent`s (inserted/removed) and, when asked, reads the present card
into an `Identity`. Backends: `ga467` (resident ID cards through a SAM module on a serial
port), `pcsc` (ICAO 9303 documents and technician badges via pyscard), `simulated`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class DocumentKind(enum.StrEnum):
    """Which identity document was read."""

    RESIDENT_ID = "resident_id"  # 居民身份证 (GA 467)
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证 ('J')
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证 ('I')
    PASSPORT = "passport"  # ICAO 9303 TD3
    TRAVEL_PERMIT = "travel_permit"  # ICAO 9303 TD1/TD2 (e.g. 往来港澳通行证)
    TECHNICIAN_BADGE = "technician_badge"


@dataclass(frozen=True, slots=True)
class Identity:
    """A citizen's identity as read from a document. Personal data: never log or persist.

    `repr` is masked so that an accidental log line or traceback shows no personal data.
    """

    kind: DocumentKind
    name: str
    id_number: str  # ID number or document number
    birth_date: dt.date
    sex: str = ""  # "M" / "F" / "" (unknown)
    nationality: str = "CHN"  # ISO 3166-1 alpha-3
    ethnicity: str = ""  # 民族 as printed (汉, 壮, ...), resident ID cards only
    latin_name: str = ""  # name in Latin letters where the document has one (foreigners)
    address: str = ""
    issuer: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None  # None = long-term (长期)
    photo: bytes = field(default=b"", compare=False)  # opaque (WLT or JPEG2000)

    def __repr__(self) -> str:  # never leak personal data through repr()
        return f"Identity(kind={self.kind.value}, <masked>)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class BadgeRead:
    """A technician badge: only its contactless UID (hex, upper case)."""

    uid: str


class CardEventKind(enum.StrEnum):
    INSERTED = "inserted"
    REMOVED = "removed"
    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"


@dataclass(frozen=True, slots=True)
class CardEvent:
    """Something happened at a reader. `reader` is the reader's name."""

    kind: CardEventKind
    reader: str
    atr: bytes = b""


@dataclass(frozen=True, slots=True)
class MrzKey:
    """What BAC needs from the printed MRZ: document number, birth date, expiry (YYMMDD)."""

    document_number: str
    birth_yymmdd: str
    expiry_yymmdd: str

    def __repr__(self) -> str:  # personal data: never through repr() into a log
        return "MrzKey(<masked>)"

    __str__ = __repr__


CardListener = Callable[[CardEvent], None]


@runtime_checkable
class CardReader(Protocol):
    """A card reader backend. Every method is bounded by the backend's timeout."""

    name: str

    def start(self, listener: CardListener) -> None:
        """Begin delivering events to `listener` (from a backend thread)."""

    def stop(self) -> None:
        """Stop delivering events and release the device. Idempotent."""

    def card_present(self) -> bool:
        """Whether a card is on the reader right now."""

    def read_identity(self, mrz: MrzKey | None = None) -> Identity:
        """Read the present card. Raises `devices.errors.CardError` subclasses.

        An ICAO document (passport, travel permit) read without `mrz` raises `MrzRequired`:
        the caller asks for the key and reads again with it.
        """

    def read_badge(self) -> BadgeRead:
        """Read a contactless technician badge's UID."""

    def probe(self) -> str:
        """Cheap health check: returns a detail string, raises DeviceError when down."""
