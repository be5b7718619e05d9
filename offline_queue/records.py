"""A queued record as the sync daemon sees it, and what became of one delivery attempt.

`Record` is everything the daemon needs to deliver a submission without opening it: the
sealed payload, the manifest of sealed attachments, the lease owner that fences its outcome.
`Settlement` is the outcome the engine decided, handed back to the outbox to write.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import time
from dataclasses import dataclass, field

from pydantic import ValidationError

from offline_queue import wire
from offline_queue.api import QueueError


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """One entry of a record's manifest: the SEALED bytes' hash and size, and their role."""

    position: int
    role: str
    sha256: str
    size: int
    accepted: bool = False  # the platform confirmed it has these bytes (201/200 to their PUT)


@dataclass(frozen=True, slots=True)
class Record:
    """A queued submission as the daemon sees it: everything sealed, nothing readable."""

    seq: int
    submission_id: str
    receipt_number: str
    service_code: str
    catalog_version: int
    created_at: str
    sealed_alg: str
    sealed_key_id: str
    sealed_payload: bytes = field(repr=False)
    attempts: int
    attachments: tuple[AttachmentRef, ...]
    lease_owner: str | None = None
    payload_sha256: str | None = None  # of `sealed_payload`; None for records queued before it was kept

    def check_payload(self) -> None:
        """`DamagedRecord` if the stored sealed payload is not the one that was queued."""
        if self.payload_sha256 is not None and hashlib.sha256(self.sealed_payload).hexdigest() != self.payload_sha256:
            raise DamagedRecord(f"the sealed payload of submission {self.submission_id} does not match its hash")

    def check_attachment(self, sha256: str, data: bytes) -> bytes:
        """`data` if it is the attachment `sha256` of this record, byte for byte; else `DamagedRecord`."""
        sizes = {ref.sha256: ref.size for ref in self.attachments}
        if hashlib.sha256(data).hexdigest() != sha256 or sizes.get(sha256) != len(data):
            raise DamagedRecord(f"attachment {sha256} of submission {self.submission_id} does not match its hash or size")
        return data

    def body(self, kiosk_id: str) -> bytes:
        """The `PUT /v1/submissions/{id}` body: the same bytes on every retry (idempotency).

        Built from the wire model the hub validates with, so a record the contract would
        refuse is found here (`InvalidRecord`) instead of being sent.
        """
        try:
            submission = wire.SubmissionIn(
                submission_id=self.submission_id,
                kiosk_id=kiosk_id,
                service_code=self.service_code,
                catalog_version=self.catalog_version,
                created_at=self.created_at,
                receipt_number=self.receipt_number,
                attachments=[{"sha256": a.sha256, "size": a.size, "role": a.role} for a in self.attachments],
                sealed={
                    "alg": self.sealed_alg,
                    "recipient_key_id": self.sealed_key_id,
                    "ciphertext": base64.b64encode(self.sealed_payload).decode(),
                },
            )
        except ValidationError as exc:
            fields = ", ".join(sorted({e["field"] for e in wire.field_errors(exc)}))
            raise InvalidRecord(f"submission {self.submission_id} breaks the wire contract ({fields})") from None
        return submission.put_body()


class InvalidRecord(QueueError):
    """A stored record that cannot form a valid PUT body; the message names only fields."""


class DamagedRecord(QueueError):
    """A record's stored bytes cannot be read, or are not the bytes that were queued (their
    SHA-256 differs): the database file was damaged. Sending them would be refused for ever
    (the platform checks the hash), so the record is quarantined `corrupt` instead."""


class Fate(enum.StrEnum):
    """What one delivery attempt did to a record."""

    DELIVERED = "delivered"  # the platform answered 200/201 with a reference
    QUARANTINED = "quarantined"  # refused for good: kept, shown to technicians, never resent alone
    RETRY_LATER = "retry_later"  # a transient failure: due again after `delay_s`, one more attempt counted
    THROTTLED = "throttled"  # 429/503 with Retry-After: due after `delay_s`, no attempt counted
    RELEASED = "released"  # not tried (shutdown, pause): back to pending, no attempt counted


@dataclass(frozen=True, slots=True)
class Settlement:
    """What happened to which record on one attempt, and when; the outbox writes it (fenced
    by the record's lease owner). A plain value: the engine decides, the outbox knows SQL."""

    record: Record
    fate: Fate
    at: float  # when it was decided, epoch seconds
    reference: str | None = None  # DELIVERED: the platform's reference
    received_at: str | None = None  # DELIVERED: the platform's time, if it said
    reason: str | None = None  # QUARANTINED: the reason code
    error: str | None = None  # RETRY_LATER: the error code
    delay_s: float = 0.0  # RETRY_LATER, THROTTLED: wait this long before the next attempt
    network: bool = False  # RETRY_LATER: failed for network reasons only (due at once when it is back)

    @classmethod
    def delivered(cls, record: Record, reference: str, received_at: str | None) -> Settlement:
        return cls(record, Fate.DELIVERED, time.time(), reference=reference, received_at=received_at)

    @classmethod
    def quarantined(cls, record: Record, reason: str) -> Settlement:
        return cls(record, Fate.QUARANTINED, time.time(), reason=reason)

    @classmethod
    def retry_later(cls, record: Record, delay_s: float, error: str, *, network: bool = False) -> Settlement:
        return cls(record, Fate.RETRY_LATER, time.time(), error=error, delay_s=delay_s, network=network)

    @classmethod
    def throttled(cls, record: Record, delay_s: float, error: str) -> Settlement:
        return cls(record, Fate.THROTTLED, time.time(), error=error, delay_s=delay_s)

    @classmethod
    def released(cls, record: Record) -> Settlement:
        return cls(record, Fate.RELEASED, time.time())
