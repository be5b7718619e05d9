"""The offline queue as the station sees it: what goes in, what comes out.

The station hands a `NewSubmission` (personal payload + attachment bytes) to
`Outbox.enqueue`; it is sealed to the platform's public key and written in ONE SQLite
transaction. Everything else (delivery, retries, purging) is the sync engine's business.
Nothing here knows about the UI or the station's domain model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class RecordState(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """One document image to attach: its role (e.g. "id-front"), bytes, media type."""

    role: str
    data: bytes = field(repr=False)
    content_type: str = "image/jpeg"


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """What the station enqueues. `payload` holds personal data and is sealed before disk."""

    service_code: str
    catalog_version: int
    receipt_number: str
    payload: dict[str, Any] = field(repr=False)
    attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Enqueued:
    """Proof the submission is durable: its UUID (the idempotency key) and time."""

    submission_id: str
    receipt_number: str
    created_at: str  # RFC 3339 UTC


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """What technicians may see: counts and ages, never people."""

    pending: int = 0
    in_flight: int = 0
    delivered: int = 0
    quarantined: int = 0
    oldest_pending_age_s: float | None = None
    quarantine_reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """One record's delivery state, for receipts: queued here, or received upstream."""

    submission_id: str
    state: RecordState
    reference: str | None = None  # platform's reference once received


@dataclass(frozen=True, slots=True)
class ReceiptDetails:
    """What a receipt may say about a queued or delivered record: no personal data."""

    submission_id: str
    receipt_number: str
    service_code: str
    created_at: str  # RFC 3339 UTC
    state: RecordState
    reference: str | None = None  # platform's reference once received


class FlagStore(Protocol):
    """The queue database's small shared key/value state (`Outbox.get_flag`/`set_flag`).

    Both processes open the queue database, so the station app and the sync daemon leave each
    other notes here (device states, the receipt sequence, the credentials alarm)."""

    def get_flag(self, key: str) -> str | None: ...

    def set_flag(self, key: str, value: str | None) -> None: ...


class QueueError(Exception):
    """Base for offline-queue errors; `str()` is a clear, data-free reason."""


class QueueFull(QueueError):
    """New submissions are refused (free-disk floor reached); nothing queued is lost."""
