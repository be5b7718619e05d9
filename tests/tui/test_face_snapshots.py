"""The new screens of issue 18 in every language at the station's size: the face check's
consent, the check asking the citizen to look at the camera, its kind refusal, and the MRZ
dialog reading by camera. Update like tests/tui/test_snapshots.py says."""

from __future__ import annotations

import pytest

from devices.card.samples import PASSPORT
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.station import STATION_SIZE
from kiosk.ui.screens.face_check import FaceCheckScreen
from kiosk.ui.screens.mrz import MrzScreen
from tests.tui.conftest import wait_for
from tests.tui.face_rig import (
    FACE_SERVICE,
    RESIDENT_WITH_PHOTO,
    engine,  # noqa: F401 - fixture
    face_camera,
    face_catalog,
    face_check,
    mrz_reader,  # noqa: F401 - fixture
)
from tests.tui.screens import show

LANGS = pytest.mark.parametrize("lang", list(Lang), ids=[lang.value for lang in Lang])
CATALOG = face_catalog()


async def _at_face_step(pilot, step: Step, lang: Lang) -> None:
    """The session of a citizen who chose the face-checked service (and consented, for FACE)."""
    app = pilot.app
    await show(pilot, Step.CHOOSE, lang)
    app.session.identity = RESIDENT_WITH_PHOTO
    app.session.choose_service(CATALOG.service(FACE_SERVICE), CATALOG.version)
    app.session.face_consent = step is Step.FACE
    app.goto(step)
    await pilot.pause()


@LANGS
@pytest.mark.parametrize("state", ["consent", "looking", "refused"])
def test_face_screens(snap_compare, rig_factory, engine, lang, state):
    camera = face_camera()
    camera.leave()  # nobody before it yet: the check keeps asking to look at the camera
    if state == "refused":
        camera.unplug()  # the camera fails: refused kindly, with the hotline
    rig = rig_factory(face=face_check(engine, camera), catalog=lambda: CATALOG)
    app = rig.app()

    async def run_before(pilot):
        await _at_face_step(pilot, Step.FACE_CONSENT if state == "consent" else Step.FACE, lang)
        if state == "looking":
            await wait_for(pilot, lambda: len(camera.served) >= 1, timeout=30)
        if state == "refused":
            await wait_for(pilot, lambda: isinstance(app.screen, FaceCheckScreen)
                           and app.screen.query_one("#finish").display, timeout=30)
        await pilot.pause(0.4)

    assert snap_compare(app, terminal_size=STATION_SIZE, run_before=run_before)


@LANGS
def test_mrz_dialog_reading_by_camera(snap_compare, rig_factory, mrz_reader, lang):
    rig = rig_factory(mrz_reader=mrz_reader)  # the platen is empty: it keeps looking
    app = rig.app()

    async def run_before(pilot):
        await show(pilot, Step.IDENTIFY, lang)
        rig.reader.insert(PASSPORT)
        await wait_for(pilot, lambda: isinstance(app.screen, MrzScreen) and bool(app.screen.query("#type")))
        await pilot.pause(0.4)

    assert snap_compare(app, terminal_size=STATION_SIZE, run_before=run_before)
