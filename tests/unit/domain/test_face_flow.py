"""The face check's place in the flow: its two steps, the reasons a face-checked service is
not offered, and what of it the sealed submission carries (only the outcome)."""

from __future__ import annotations

import dataclasses

import pytest

from devices.card.samples import RESIDENT
from devices.face.base import FaceOutcome, ScoreBand
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.domain.form import prefill
from kiosk.domain.flow import FACE_CAMERA, Step, next_step, previous_step, service_options
from kiosk.domain.session import CitizenSession
from kiosk.domain.submission import IncompleteSession, build_submission
from kiosk.domain.receipt_number import make_receipt_number

BASE = load_demo_catalog()
CATALOG = BASE.model_copy(update={"services": tuple(
    s.model_copy(update={"face_check": s.code == "TAX-CERT"}) for s in BASE.services)})
WITH_PHOTO = dataclasses.replace(RESIDENT, photo=b"\xff\xd8photo")
MATCHED = FaceOutcome(True, ScoreBand.STRONG, "dlib-resnet-v1+head-turn", True).as_dict()
NUMBER = make_receipt_number("GZ-HZ-0001", __import__("datetime").date(2026, 11, 23), 42)


def _chosen() -> CitizenSession:
    session = CitizenSession(identity=WITH_PHOTO, identity_confirmed=True)
    session.choose_service(CATALOG.service("TAX-CERT"), CATALOG.version)
    return session


def _reason(identity=WITH_PHOTO, down=(), face_check=True) -> str | None:
    options = {o.service.code: o for o in service_options(CATALOG, identity, down, face_check=face_check)}
    assert options["HKMO-ENDORSE"].reason is None, "services without a face check are unaffected"
    return options["TAX-CERT"].reason


def test_catalog_services_need_no_face_check_unless_they_say_so():
    assert not any(s.face_check for s in BASE.services)


def test_reasons_a_face_checked_service_is_not_offered():
    assert _reason() is None
    assert _reason(face_check=False) == "choose.reason.face"  # no face camera configured, or no engine
    assert _reason(down={FACE_CAMERA}) == "choose.reason.face"  # the supervisor says it is down
    assert _reason(identity=RESIDENT) == "choose.reason.face_photo"  # a document without a photo


def test_consent_then_check_come_before_the_form_and_back_goes_to_choose():
    session = _chosen()
    assert next_step(session) is Step.FACE_CONSENT
    session.face_consent = True
    assert next_step(session) is Step.FACE
    session.face = {**MATCHED, "matched": False}
    assert next_step(session) is Step.FACE, "a refused check is no pass"
    session.face = MATCHED
    assert next_step(session) is Step.FORM
    assert previous_step(Step.FACE, session) is previous_step(Step.FACE_CONSENT, session) is Step.CHOOSE


def test_another_service_or_the_end_forgets_consent_and_outcome():
    session = _chosen()
    session.face_consent, session.face = True, MATCHED
    session.choose_service(CATALOG.service("HKMO-ENDORSE"), CATALOG.version)
    assert (session.face_consent, session.face) == (False, None)
    session = _chosen()
    session.face_consent, session.face = True, MATCHED
    session.wipe()
    assert (session.face_consent, session.face) == (False, None)


def _finished(face) -> CitizenSession:
    session = _chosen()
    session.face_consent, session.face = True, face
    session.form |= prefill(session.service, WITH_PHOTO) | {"year": "2024"}
    session.form_done = session.consent = True
    return session


def test_only_the_outcome_goes_into_the_submission():
    submission = build_submission(_finished(MATCHED), NUMBER)
    assert submission.payload["face"] == MATCHED
    assert set(submission.payload["face"]) == {"matched", "band", "method", "live", "reason"}
    assert "face" not in build_submission(_finished_without_face_check(), NUMBER).payload


def _finished_without_face_check() -> CitizenSession:
    session = CitizenSession(identity=RESIDENT, identity_confirmed=True)
    session.choose_service(BASE.service("TAX-CERT"), BASE.version)
    session.form |= prefill(session.service, RESIDENT) | {"year": "2024"}
    session.form_done = session.consent = True
    return session


@pytest.mark.parametrize("face", [None, {**MATCHED, "matched": False}])
def test_a_face_checked_service_is_not_submitted_without_a_match(face):
    with pytest.raises(IncompleteSession):
        build_submission(_finished(face), NUMBER)
