"""The service API's JSON shapes (SERVICE_API.md) as pydantic models, defined once.

Both sides of the wire use them: the station builds its request bodies with them and the
reference hub (which may import `offline_queue` but nothing else of the station) validates
them. The hub validates request bodies with these by hand (not as FastAPI body parameters) so that
authentication is checked before the body is parsed and refusals have the contract's
`{"errors": [{"field", "message"}]}` shape; the hub adds them to the OpenAPI document.
Unknown fields are ignored, as the contract says.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_serializer,
)

STATUSES = ("received", "in_review", "approved", "rejected", "ready_for_pickup")
Status = Literal["received", "in_review", "approved", "rejected", "ready_for_pickup"]

SHA256_PATTERN = r"^[0-9a-f]{64}$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds and a `Z`, as the contract's timestamps are."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now_rfc3339(ts: float | None = None) -> str:
    return rfc3339(datetime.fromtimestamp(time.time() if ts is None else ts, UTC))


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AttachmentRef(_In):
    sha256: StrictStr = Field(pattern=SHA256_PATTERN, description="SHA-256 of the sealed bytes, lower-case hex")
    size: StrictInt = Field(ge=0, description="Length of the sealed bytes")
    role: StrictStr = Field(min_length=1, max_length=64, description='e.g. "id-front"')


class SealedEnvelope(_In):
    alg: StrictStr = Field(description="Sealing construction, e.g. hpke-base-x25519-hkdfsha256-aes256gcm")
    recipient_key_id: StrictStr = Field(description="Which platform key it is sealed to")
    ciphertext: StrictStr = Field(description="base64 of the sealed payload")


class SubmissionIn(_In):
    """Body of `PUT /v1/submissions/{id}`."""

    submission_id: StrictStr = Field(pattern=UUID_PATTERN)
    kiosk_id: StrictStr = Field(min_length=1, max_length=64)
    service_code: StrictStr = Field(min_length=1, max_length=64)
    catalog_version: StrictInt = Field(ge=0)
    created_at: AwareDatetime
    receipt_number: StrictStr = Field(min_length=1, max_length=64)
    attachments: list[AttachmentRef] = Field(max_length=64)
    sealed: SealedEnvelope

    @field_serializer("created_at")
    def _created_at(self, value: datetime) -> str:
        # The station stores `created_at` in this form and must send it byte for byte the
        # same on every retry; pydantic's default would add microseconds (".123000Z").
        return rfc3339(value)

    def put_body(self) -> bytes:
        """The exact bytes of the PUT body: compact JSON, as the station has always sent it."""
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":")).encode()


class SubmissionReceipt(BaseModel):
    """201 on first delivery; 200 replays exactly this body."""

    submission_id: str
    reference: str
    status: Literal["received"]
    received_at: str


class SubmissionStatus(BaseModel):
    submission_id: str
    reference: str
    status: Status
    updated_at: str
    message: dict[str, str] = Field(description="Per language: zh-Hans, zh-Hant, en")


class FieldError(BaseModel):
    field: str
    message: str


class Refused(BaseModel):
    """422: the platform refuses the content; never retried automatically."""

    errors: list[FieldError]


class MissingAttachments(BaseModel):
    """422: upload these (by SHA-256), then PUT the submission again."""

    missing_attachments: list[str]


class ErrorBody(BaseModel):
    error: str
    message: str | None = None


class CatalogBundle(BaseModel):
    payload: str = Field(description="base64 of the canonical JSON catalog")
    signature: str = Field(description="base64 Ed25519 signature of the payload bytes")
    key_id: str


class Published(BaseModel):
    region: str
    version: int
    etag: str


class DeviceHealth(BaseModel):
    model_config = ConfigDict(extra="allow")
    state: Literal["ok", "degraded", "down"] | None = None
    detail: Any = None


class AuditHead(_In):
    """1.1: the newest record of a station's audit chain, as its heartbeat reports it."""

    seq: StrictInt = Field(ge=0, description="Sequence number of the newest audit record")
    hash: StrictStr = Field(pattern=SHA256_PATTERN, description="Its hash, lower-case hex")


class CatalogState(_In):
    """1.1: one of the catalogs a station holds, per issuer region."""

    region: StrictStr = Field(min_length=1, max_length=16)
    version: StrictInt = Field(ge=0)
    state: Literal["active", "staged", "expired"]


class AuditHeadSeen(BaseModel):
    seq: int
    hash: str
    received_at: str = Field(description="When the platform first received this head")


class AuditHeads(BaseModel):
    """`GET /v1/kiosks/{kiosk_id}/audit-heads`: every head the platform kept, by seq."""

    kiosk_id: str
    heads: list[AuditHeadSeen]


class Heartbeat(BaseModel):
    """Body of a heartbeat; informational, every field optional, unknown fields kept.
    The platform limits its size and nesting depth."""

    model_config = ConfigDict(extra="allow")
    software_version: str | None = None
    catalog_region: str | None = None
    catalog_version: int | None = None
    queue_depth: int | None = None
    oldest_pending_age_s: float | None = None
    quarantined: int | None = None
    devices: dict[str, DeviceHealth] | None = None
    free_disk_bytes: int | None = None
    uptime_s: float | None = None
    catalogs: list[CatalogState] | None = Field(default=None, max_length=64)
    audit_head: AuditHead | None = None


class StatusChange(BaseModel):
    status: Status


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic errors as the contract's `{"field", "message"}` list, e.g. `attachments[0].sha256`."""
    out = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        out.append({"field": path or "body", "message": err["msg"]})
    return out
