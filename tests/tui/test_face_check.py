"""The face check (人证核验) and the camera-read MRZ, end to end through the Pilot.

A passport session with no typing at all; a face mismatch refused kindly with the hotline;
liveness failure given one more try; declined consent; a station without a face camera
(or with it down) not offering face-checked services; the MRZ camera's "read again", then
the keypad. What these cannot prove: accuracy on real faces and real passports under a real
camera (docs/face.md, "Calibrating the threshold").
"""

from __future__ import annotations

from devices.card.samples import RESIDENT
from kiosk.domain.flow import Step
from kiosk.station import STATION_SIZE
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.screens.mrz import MrzScreen
from tests.tui.conftest import click, consent_and_submit, visible_text, wait_for
from tests.tui.face_rig import (
    FACE_SERVICE,
    PASSPORT_WITH_PHOTO,
    RESIDENT_WITH_PHOTO,
    SOMEONE_ELSE,
    engine,  # noqa: F401 - fixture
    face_camera,
    face_catalog,
    face_check,
    follow_prompts,
    mrz_reader,  # noqa: F401 - fixture
    passport_page,
    with_photo,
)
from tests.tui.test_passport import MRZ, type_mrz

CATALOG = face_catalog()


async def to_face_consent(pilot, rig, identity) -> None:
    """Start in English, place `identity` on the reader, confirm it, choose the face-checked service."""
    app = pilot.app
    await click(pilot, "#lang-en")
    rig.reader.insert(identity)
    await wait_for(pilot, lambda: app.step is Step.CONFIRM and bool(app.screen.query("#yes")), timeout=60)
    await click(pilot, "#yes")
    await click(pilot, f"#service-{FACE_SERVICE}")
    assert app.step is Step.FACE_CONSENT


async def test_a_passport_session_with_no_typing_at_all(rig_factory, engine, mrz_reader):
    camera = face_camera()
    rig = rig_factory(face=face_check(engine, camera), mrz_reader=mrz_reader, catalog=lambda: CATALOG)
    rig.camera.show_image(passport_page())  # the photo page lies open under the document camera
    app = rig.app()
    keypads = []
    async with app.run_test(size=STATION_SIZE) as pilot:
        app.push_screen = _recording(app.push_screen, keypads)
        await to_face_consent(pilot, rig, PASSPORT_WITH_PHOTO)
        assert rig.reader.calls.count("read_identity") == 2  # without the key, then with the camera's
        await click(pilot, "#agree")
        assert app.step is Step.FACE and app.session.face_consent
        prompts = await follow_prompts(
            pilot, camera, lambda: app.step is Step.FORM and bool(app.screen.query("#choice-year-1")))
        assert {"left", "right"} <= set(prompts), "both head turns were asked for"
        assert not camera._started, "the face camera is off once the check is over"
        await click(pilot, "#choice-year-1")
        await click(pilot, "#next")
        await consent_and_submit(pilot)
        assert app.session.face is None, "wiped with the session"
    assert not keypads, "nothing was typed"
    [(record, payload, _)] = rig.queued()
    assert record.service_code == FACE_SERVICE and payload["identity"]["document_kind"] == "passport"
    face = payload["face"]
    assert face["matched"] is True and face["live"] is True and face["reason"] == ""
    assert face["band"] in ("strong", "match") and face["method"] == "dlib-resnet-v1+head-turn"
    assert set(face) == {"matched", "band", "method", "live", "reason"}, "only the outcome travels"


def _recording(push_screen, pushed):
    """Wrap push_screen to record every keypad opened (a keypad means the citizen typed)."""

    def push(screen, *args, **kwargs):
        if isinstance(screen, KeypadScreen):
            pushed.append(screen)
        return push_screen(screen, *args, **kwargs)

    return push


async def test_a_face_mismatch_is_refused_kindly_with_the_hotline(rig_factory, engine):
    camera = face_camera()  # someone else than the card's photo shows
    rig = rig_factory(face=face_check(engine, camera), catalog=lambda: CATALOG)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await to_face_consent(pilot, rig, with_photo(RESIDENT, "person_b.jpg"))
        await click(pilot, "#agree")
        screen = app.screen
        await follow_prompts(pilot, camera, lambda: bool(str(screen.query_one("#face-message").content)))
        shown = visible_text(app)
        assert "could not confirm that you are the holder" in shown and "12345" in shown
        assert not screen.query_one("#retry").display and not screen.query_one("#back").display, "no second try"
        assert app.step is Step.FACE and app.session.face is None
        await click(pilot, "#finish")
        assert app.step is Step.ATTRACT and app.session.identity is None
    assert rig.queued() == []


async def test_liveness_failure_gets_one_more_try_then_a_refusal(rig_factory, engine):
    camera = face_camera()
    rig = rig_factory(face=face_check(engine, camera), catalog=lambda: CATALOG)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await to_face_consent(pilot, rig, RESIDENT_WITH_PHOTO)
        object.__setattr__(rig.station.face, "timeout_s", 3.0)  # a short check: the head never turns
        await click(pilot, "#agree")
        screen = app.screen
        retry = screen.query_one("#retry")
        await wait_for(pilot, lambda: retry.display, timeout=60)
        assert "try again" in visible_text(app)
        await click(pilot, "#retry")
        finish = screen.query_one("#finish")
        await wait_for(pilot, lambda: finish.display, timeout=60)
        shown = visible_text(app)
        assert "did not work this time" in shown and "12345" in shown and not retry.display


async def test_declining_consent_goes_back_to_choose_without_the_service(rig_factory, engine):
    camera = face_camera()
    rig = rig_factory(face=face_check(engine, camera), catalog=lambda: CATALOG)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await to_face_consent(pilot, rig, RESIDENT_WITH_PHOTO)
        await click(pilot, "#decline")
        assert app.step is Step.CHOOSE and app.session.service is None and not app.session.face_consent
    assert camera.served == [], "the camera never looked"


async def _face_service_button(rig):
    """The face-checked service's button on the choose step, for a resident card with a photo."""
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        rig.reader.insert(RESIDENT_WITH_PHOTO)
        await wait_for(pilot, lambda: app.step is Step.CONFIRM and bool(app.screen.query("#yes")))
        await click(pilot, "#yes")
        return app.screen.query_one(f"#service-{FACE_SERVICE}")


async def test_a_station_without_a_face_camera_does_not_offer_face_checked_services(rig_factory):
    button = await _face_service_button(rig_factory(catalog=lambda: CATALOG))  # no face check built
    assert button.disabled and "Needs a face check: not available here now" in str(button.label)


async def test_a_face_camera_reported_down_disables_them_too(rig_factory, engine):
    rig = rig_factory(face=face_check(engine, face_camera()), catalog=lambda: CATALOG,
                      unavailable=frozenset({"face_camera"}))
    button = await _face_service_button(rig)
    assert button.disabled and "Needs a face check: not available here now" in str(button.label)


async def test_a_refused_camera_key_reads_again_then_offers_the_keypad(rig_factory, mrz_reader):
    rig = rig_factory(mrz_reader=mrz_reader)
    rig.camera.show_image(passport_page(SOMEONE_ELSE))  # another passport's page: BAC refuses its key
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await click(pilot, "#lang-en")
        rig.reader.insert(PASSPORT_WITH_PHOTO)
        await wait_for(pilot, lambda: isinstance(app.screen, MrzScreen), timeout=30)
        dialog = app.screen
        await wait_for(pilot, lambda: "lay the photo page flat" in visible_text(app), timeout=60)
        await wait_for(pilot, lambda: not dialog.scanning, timeout=60)
        assert "Please type the data instead" in visible_text(app)
        assert dialog.query_one("#edit-number").display
        await type_mrz(pilot, *MRZ)
        await click(pilot, "#read")
        await wait_for(pilot, lambda: app.step is Step.CONFIRM, timeout=30)
    assert rig.reader.calls.count("read_identity") == 4  # no key, two camera keys refused, the typed one
