"""A citizen's call for help, as the station reports it (SERVICE_API 1.1 `POST /v1/kiosks/{id}/help`).

It says what kind of help, at which step and when: never who. The station sends it
through the outbox, so it is queued while offline like everything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class HelpRequest:
    """One tap on "Call for help". No personal data: no name, no number, no form value."""

    kind: str  # "citizen": a person at the screen asks for staff
    step: str  # the session step the citizen was at (kiosk.domain.flow.Step value)
    at: dt.datetime  # when, timezone-aware UTC

    def to_wire(self) -> dict[str, str]:
        """The request body of `POST /v1/kiosks/{id}/help`."""
        return {"kind": self.kind, "step": self.step, "at": self.at.astimezone(dt.UTC).isoformat()}
