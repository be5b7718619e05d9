import pytest

from devices.card.samples import RESIDENT
from kiosk.domain.form import prefill
from kiosk.domain.receipt import ReceiptStatus
from kiosk.domain.receipt_number import make_receipt_number
from kiosk.domain.session import CapturedImage, CitizenSession
from kiosk.domain.submission import IncompleteSession, build_submission, receipt_for
from kiosk.demo.catalogs import load_demo_catalog
from offline_queue.api import Enqueued

CATALOG = load_demo_catalog()
NUMBER = make_receipt_number("GZ-HZ-0001", __import__("datetime").date(2026, 11, 23), 42)


def _finished_session() -> CitizenSession:
    service = CATALOG.service("HKMO-ENDORSE")
    session = CitizenSession(identity=RESIDENT, identity_confirmed=True)
    session.choose_service(service, CATALOG.version)
    session.form.update(prefill(service, RESIDENT))
    session.form |= {"destination": "hk", "kind": "family", "phone": "13800138000"}
    session.form_done = True
    session.add_page(CapturedImage("permit", 1, "id1", bytearray(b"\xff\xd8permit"), 856, 540))
    session.consent = True
    return session


def test_submission_carries_identity_form_and_pages():
    submission = build_submission(_finished_session(), NUMBER)
    assert submission.service_code == "HKMO-ENDORSE"
    assert submission.catalog_version == CATALOG.version
    assert submission.receipt_number == NUMBER
    assert submission.payload["identity"]["id_number"] == RESIDENT.id_number
    assert submission.payload["form"]["phone"] == "13800138000"
    assert submission.payload["consent"] is True
    [attachment] = submission.attachments
    assert (attachment.role, attachment.data, attachment.content_type) == ("permit-1", b"\xff\xd8permit", "image/jpeg")
    assert RESIDENT.id_number not in repr(submission)


@pytest.mark.parametrize("undo", ["consent", "page", "form", "identity"])
def test_incomplete_sessions_are_refused(undo):
    """Bad input: a session missing consent, a page, a required field or the identity."""
    session = _finished_session()
    if undo == "consent":
        session.consent = False
    elif undo == "page":
        session.pages.clear()
    elif undo == "form":
        session.form["phone"] = ""
    else:
        session.identity = None
    with pytest.raises(IncompleteSession):
        build_submission(session, NUMBER)


def test_receipt_is_masked_and_queued():
    enqueued = Enqueued("7a1c62b4-3f7e-4c55-9b8f-2d7f4bb0c001", NUMBER, "2026-11-23T02:03:04Z")
    receipt = receipt_for(
        _finished_session(), enqueued, station_name="S", station_address="A", status_url="https://x/s/", hotline="12345"
    )
    assert receipt.status is ReceiptStatus.QUEUED
    assert receipt.masked_name == "张*" and RESIDENT.id_number not in repr(receipt)
    assert receipt.qr_url == "https://x/s/7a1c62b4-3f7e-4c55-9b8f-2d7f4bb0c001"
