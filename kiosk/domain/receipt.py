"""The receipt: the citizen's only proof of what happened at an unattended station.

It must tell the truth (queued at this station, or received by the platform with its
reference), be followable (QR code with the submission id, hotline), and show no more
personal data than needed: only masked identity ever enters this model, so nothing
downstream (layout, printer, logs of a failed print) can leak more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from zoneinfo import ZoneInfo

from kiosk.domain.catalog import Promise
from kiosk.domain.i18n_text import Lang, LocalText
from kiosk.domain.masking import mask_id_number, mask_identity_name
from kiosk.domain.receipt_number import verify_receipt_number


class ReceiptStatus(enum.StrEnum):
    #: Stored in the station's queue; the platform has not confirmed it yet.
    QUEUED = "queued"
    #: The platform answered 200/201 and gave its reference.
    RECEIVED = "received"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    station_name: str
    station_address: str
    service_name: LocalText
    receipt_number: str
    submission_id: str
    created_at: dt.datetime
    status: ReceiptStatus
    promise: Promise | None  # None: not known where the receipt is rendered (no catalog)
    status_url: str
    hotline: str
    language: Lang = Lang.ZH_HANS
    masked_name: str | None = None
    masked_id_number: str | None = None
    platform_reference: str | None = None
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must carry its time zone")
        if not verify_receipt_number(self.receipt_number):
            raise ValueError("receipt number fails its check character")
        uuid.UUID(self.submission_id)  # ValueError when it is not one
        if (self.status is ReceiptStatus.RECEIVED) != bool(self.platform_reference):
            raise ValueError("a platform reference goes with status received, and only with it")
        for field, value in (("masked_name", self.masked_name), ("masked_id_number", self.masked_id_number)):
            if value is not None and "*" not in value:
                raise ValueError(f"{field} must be masked (use Receipt.for_citizen)")

    @classmethod
    def for_citizen(
        cls, *, name: str | None, id_number: str | None, latin_name: str = "", document: str = "", **fields
    ) -> Receipt:
        """Build a receipt from the identity just read; only the masked forms are kept
        (the Latin name beside the Chinese one, the number masked as its `document` kind says)."""
        return cls(
            masked_name=mask_identity_name(name, latin_name) if name else None,
            masked_id_number=mask_id_number(id_number, document) if id_number else None,
            **fields,
        )

    @property
    def qr_url(self) -> str:
        """Status page of this submission (the SERVICE_API GET /v1/submissions/{id} behind it)."""
        return f"{self.status_url}{self.submission_id}"

    @property
    def local_time(self) -> dt.datetime:
        return self.created_at.astimezone(ZoneInfo(self.timezone))
