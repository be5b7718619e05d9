"""The citizen flow as plain decisions: which step comes next, what may be chosen.

Screens only show and collect; every "where to now?" and "is this allowed?" is answered
here from the session's state, so the rules are tested without a terminal and the same
in every screen.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from devices.card.base import DocumentKind, Identity
from kiosk.domain.catalog import Catalog, Service
from kiosk.domain.form import validate_form
from kiosk.domain.i18n_text import LocalText
from kiosk.domain.session import CitizenSession


class Step(enum.StrEnum):
    """The citizen's steps, in order."""

    ATTRACT = "attract"
    IDENTIFY = "identify"
    CONFIRM = "confirm"
    CHOOSE = "choose"
    FACE_CONSENT = "face_consent"  # only for a service with `face_check`
    FACE = "face"
    FORM = "form"
    CAPTURE = "capture"
    REVIEW = "review"
    SUBMIT = "submit"
    DONE = "done"


#: Steps during which a personal session is open (card removal or idleness ends it).
SESSION_STEPS = frozenset(
    {Step.IDENTIFY, Step.CONFIRM, Step.CHOOSE, Step.FACE_CONSENT, Step.FACE, Step.FORM, Step.CAPTURE, Step.REVIEW}
)

#: Identity documents a citizen may use to start a session (badges are for technicians).
CITIZEN_DOCUMENTS = frozenset(k for k in DocumentKind if k is not DocumentKind.TECHNICIAN_BADGE)


@dataclass(frozen=True)
class ServiceOption:
    """One service as offered to this citizen: `reason` (a message key) when it is disabled."""

    service: Service
    reason: str | None = None

    @property
    def enabled(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class PageSlot:
    """One page to capture: which document requirement, which page of how many."""

    document_id: str
    page: int
    pages: int
    kind: str
    label: LocalText

    @property
    def role(self) -> str:
        return f"{self.document_id}-{self.page}"


def devices_needed(service: Service) -> frozenset[str]:
    """Device kinds a service cannot run without: what the catalog lists, plus the camera
    whenever it asks for documents, so a catalog that forgets to say so cannot strand a
    citizen at the capture step of a station whose camera is down."""
    return frozenset(service.requires) | ({"camera"} if service.documents else frozenset())


#: The device kind of the camera facing the citizen (the supervisor's name for it).
FACE_CAMERA = "face_camera"


def service_options(
    catalog: Catalog, identity: Identity | None, unavailable: Iterable[str] = (), *, face_check: bool = False
) -> list[ServiceOption]:
    """Every catalog service, disabled with a reason when this identity or station can't do it.

    `face_check`: whether this station can check faces at all (a face camera is configured
    and its engine runs here); a face-checked service is then still refused while the
    supervisor reports the face camera down.

    Disabled services stay listed (greyed) so a citizen learns the service exists and why
    it is not possible here right now, instead of wondering why it is missing.
    """
    down = frozenset(unavailable)
    options = []
    for service in catalog.services:
        reason = None
        if identity is not None and identity.kind.value not in service.identity_documents:
            reason = "choose.reason.document"
        elif identity is not None and identity.nationality in service.excluded_nationalities:
            reason = "choose.reason.nationality"
        elif service.face_check and (not face_check or FACE_CAMERA in down):
            reason = "choose.reason.face"
        elif service.face_check and identity is not None and not identity.photo:
            reason = "choose.reason.face_photo"
        elif down.intersection(devices_needed(service)):
            reason = "choose.reason.device"
        options.append(ServiceOption(service, reason))
    return options


def page_slots(service: Service) -> list[PageSlot]:
    """The pages to capture for a service, in catalog order."""
    return [
        PageSlot(doc.id, page, doc.pages, doc.kind, doc.label)
        for doc in service.documents
        for page in range(1, doc.pages + 1)
    ]


def missing_pages(session: CitizenSession) -> list[PageSlot]:
    """Pages the service asks for that the session has not captured yet."""
    if session.service is None:
        return []
    return [slot for slot in page_slots(session.service) if slot.role not in session.pages]


def next_step(session: CitizenSession) -> Step:
    """The first step whose work is not done yet: the single source of "where to now"."""
    if session.identity is None:
        return Step.IDENTIFY
    if not session.identity_confirmed:
        return Step.CONFIRM
    if session.service is None:
        return Step.CHOOSE
    if session.service.face_check and not session.face_consent:
        return Step.FACE_CONSENT
    if session.service.face_check and not (session.face and session.face.get("matched")):
        return Step.FACE
    if not session.form_done or validate_form(session.service, session.form):
        return Step.FORM
    if missing_pages(session):
        return Step.CAPTURE
    if not session.consent:
        return Step.REVIEW
    return Step.SUBMIT


def previous_step(step: Step, session: CitizenSession) -> Step:
    """Where "back" goes from `step`; undoes that step's decision so next_step agrees."""
    if step is Step.CAPTURE:
        session.form_done = False
        return Step.FORM
    if step is Step.REVIEW:
        if session.service is not None and page_slots(session.service):
            return Step.CAPTURE
        session.form_done = False
        return Step.FORM
    if step in (Step.FORM, Step.FACE_CONSENT, Step.FACE):
        return Step.CHOOSE
    if step is Step.CHOOSE:
        session.identity_confirmed = False
        return Step.CONFIRM
    return Step.ATTRACT
