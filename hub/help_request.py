"""The body of `POST /v1/kiosks/{kiosk_id}/help` (SERVICE_API 1.1): a citizen pressed "call
for help". It says what kind of help and at which step of a session, never who: any other
field is dropped."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class HelpRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["call", "device", "other"]
    session_step: StrictStr = Field(min_length=1, max_length=64, description="e.g. `form`, `documents`")
    requested_at: StrictStr = Field(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$",
        description="When the citizen asked, ISO 8601 with a zone",
    )
