"""A queued record as the sync daemon sees it, and what became of one delivery attempt.

`Record` is everything the daemon needs to deliver a submission without opening it: the
sealed payload, the manifest of sealed attachments, the lease owner that fences its outcome.
`Settlement` is the outcome the engine decided, handed back to the outbox to write.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """One entry of a record's manifest: the SEALED bytes' hash and size, and their role."""

    position: int
    role: str
    sha256: str
    size: int


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

    def body(self, kiosk_id: str) -> dict[str, Any]:
        """The `PUT /v1/submissions/{id}` body: the same bytes on every retry (idempotency)."""
        return {
            "submission_id": self.submission_id,
            "kiosk_id": kiosk_id,
            "service_code": self.service_code,
            "catalog_version": self.catalog_version,
            "created_at": self.created_at,
            "receipt_number": self.receipt_number,
            "attachments": [
                {"sha256": a.sha256, "size": a.size, "role": a.role} for a in self.attachments
            ],
            "sealed": {
                "alg": self.sealed_alg,
                "recipient_key_id": self.sealed_key_id,
                "ciphertext": base64.b64encode(self.sealed_payload).decode(),
            },
        }


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of one delivery attempt, to be written under the record's lease."""

    record: Record
    sql: str
    params: tuple[Any, ...]

    @classmethod
    def delivered(cls, record: Record, reference: str, received_at: str | None) -> Settlement:
        return cls(
            record,
            "state = 'delivered', reference = ?, received_at = ?, delivered_ts = ?,"
            " attempts = attempts + 1, last_error = NULL",
            (reference, received_at, time.time()),
        )

    @classmethod
    def quarantined(cls, record: Record, reason: str) -> Settlement:
        return cls(record, "state = 'quarantined', quarantine_reason = ?, attempts = attempts + 1", (reason,))

    @classmethod
    def retry_later(cls, record: Record, delay_s: float, error: str) -> Settlement:
        return cls(
            record,
            "state = 'pending', next_attempt_ts = ?, attempts = attempts + 1, last_error = ?",
            (time.time() + delay_s, error),
        )

    @classmethod
    def released(cls, record: Record) -> Settlement:
        return cls(record, "state = 'pending'", ())
