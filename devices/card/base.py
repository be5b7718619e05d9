"""What a card reader is, as the station sees it.

A reader yields `CardEvent`s (inserted/removed) and, when asked, reads the present card
into an `Identity`. Backends: `ga467` (resident ID cards through a SAM module on a serial
port), `pcsc` (ICAO 9303 documents and technician badges via pyscard), `simulated`; a
composite reader runs several of them as one. Each declares its `Capability` flags, so
the station can say which documents work while one reader is down.
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


class Capability(enum.Flag):
    """What a reader can read: a GA 467 reader sees no passport, a PC/SC one no ID card."""

    NONE = 0
    RESIDENT_ID = enum.auto()  # GA 467: resident ID cards, HMT and foreigners' permits
    EMRTD = enum.auto()  # ICAO 9303 chips: passports, travel permits
    BADGE_UID = enum.auto()  # a contactless card's UID: technician badges


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


_NEEDS = {
    DocumentKind.RESIDENT_ID: Capability.RESIDENT_ID,
    DocumentKind.HMT_RESIDENCE_PERMIT: Capability.RESIDENT_ID,
    DocumentKind.FOREIGN_PERMANENT: Capability.RESIDENT_ID,
    DocumentKind.PASSPORT: Capability.EMRTD,
    DocumentKind.TRAVEL_PERMIT: Capability.EMRTD,
    DocumentKind.TECHNICIAN_BADGE: Capability.BADGE_UID,
}


def capability_for(card: Identity | BadgeRead) -> Capability:
    """The capability a reader needs to read `card` (which reader a test lays it on)."""
    return Capability.BADGE_UID if isinstance(card, BadgeRead) else _NEEDS[card.kind]


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
    capabilities: Capability
    """What the reader can read now: each backend declares what it reads; a composite
    reader reports the union of its readers that are up."""

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
