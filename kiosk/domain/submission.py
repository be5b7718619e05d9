"""From a finished session to what the offline queue stores.

The payload (identity, form, consent) and the page images are personal data: they leave
the session only inside the `NewSubmission` handed to `Outbox.enqueue`, which seals them
before anything touches disk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.domain.flow import missing_pages
from kiosk.domain.form import validate_form
from kiosk.domain.receipt import Receipt, ReceiptStatus
from kiosk.domain.session import CitizenSession
from offline_queue.api import Enqueued, NewAttachment, NewSubmission


class IncompleteSession(ValueError):
    """The session lacks something a submission needs (data-free message)."""


def build_submission(session: CitizenSession, receipt_number: str) -> NewSubmission:
    """The submission for a session that went through every step, consent included."""
    identity, service = session.identity, session.service
    if identity is None or service is None:
        raise IncompleteSession("no identity or no service chosen")
    if validate_form(service, session.form):
        raise IncompleteSession("the form is not complete")
    if missing_pages(session):
        raise IncompleteSession("a required page was not captured")
    if not session.consent:
        raise IncompleteSession("the citizen did not consent")
    if service.face_check and not (session.face and session.face.get("matched")):
        raise IncompleteSession("the face check was not passed")
    payload: dict[str, Any] = {
        "language": session.lang.value,
        "identity": {
            "document_kind": identity.kind.value,
            "name": identity.name,
            "latin_name": identity.latin_name,
            "id_number": identity.id_number,
            "birth_date": identity.birth_date.isoformat(),
            "sex": identity.sex,
            "nationality": identity.nationality,
            "address": identity.address,
            "valid_to": identity.valid_to.isoformat() if identity.valid_to else None,
        },
        "form": {f.id: session.form.get(f.id, "").strip() for f in service.fields},
        "documents": [
            {"role": p.role, "document_id": p.document_id, "page": p.page, "kind": p.kind,
             "width": p.width, "height": p.height}
            for p in session.pages.values()
        ],
        "consent": True,
    }
    if service.face_check:  # only FaceOutcome.as_dict(): matched, band, method, live; no image, no score
        payload["face"] = dict(session.face or {})
    attachments = tuple(
        NewAttachment(role=page.role, data=bytes(page.jpeg), content_type="image/jpeg")
        for page in session.pages.values()
    )
    return NewSubmission(
        service_code=service.code,
        catalog_version=session.catalog_version,
        receipt_number=receipt_number,
        payload=payload,
        attachments=attachments,
    )


def receipt_for(
    session: CitizenSession,
    enqueued: Enqueued,
    *,
    station_name: str,
    station_address: str,
    status_url: str,
    hotline: str,
) -> Receipt:
    """The receipt for a submission just queued: masked identity, status "queued here"."""
    identity, service = session.identity, session.service
    if identity is None or service is None:
        raise IncompleteSession("no identity or no service chosen")
    return Receipt.for_citizen(
        name=identity.name,
        latin_name=identity.latin_name,
        id_number=identity.id_number,
        document=identity.kind.value,
        station_name=station_name,
        station_address=station_address,
        service_name=service.name,
        receipt_number=enqueued.receipt_number,
        submission_id=enqueued.submission_id,
        created_at=dt.datetime.fromisoformat(enqueued.created_at),
        status=ReceiptStatus.QUEUED,
        promise=service.promise,
        status_url=status_url,
        hotline=hotline,
        language=session.lang,
    )
