"""What the face-check and camera-MRZ Pilot tests share: a face-checked catalog, a document
photo, the simulated face camera, the passport's photo page, and a cooperative citizen.

Everything is real but the two cameras (simulated: no camera here) and the card reader
(simulated): the face engine is dlib with the packaged models, the MRZ reader is Tesseract
with the packaged `mrz` model, reading an OCR-B page rendered by tests/support/mrz_pages.py.
"""

from __future__ import annotations

import dataclasses
import random
from importlib import resources

import pytest

from devices.camera.mrz_read import MrzReader
from devices.card.base import Identity
from devices.card.mrz import MrzFormat
from devices.card.samples import PASSPORT, PASSPORT_MRZ, RESIDENT
from devices.face.engine import FaceEngine
from devices.face.liveness import Prompt
from devices.face.simulated import SimulatedFaceCamera, sample_portrait
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.station import FaceCheck
from kiosk.ui.screens.face_check import FaceCheckScreen
from tests.support.mrz_pages import Holder, holder_page
from tests.tui.conftest import wait_for
from tests.unit.face.script import POSE

#: The service the tests mark as face-checked (it accepts resident cards and passports).
FACE_SERVICE = "TAX-CERT"
#: The simulated reader's passport as its photo page prints it (BAC needs exactly this key).
LI_SI = Holder(MrzFormat.TD3, "CHN", PASSPORT_MRZ.document_number, "LI", "SI",
               PASSPORT_MRZ.birth_yymmdd, PASSPORT_MRZ.expiry_yymmdd, "M")
#: Another passport's page: a valid MRZ whose key the chip on the reader refuses.
SOMEONE_ELSE = dataclasses.replace(LI_SI, number="G98765432", surname="WONG")


def portrait_jpeg(name: str) -> bytes:
    """A packaged portrait's JPEG bytes, as a chip's DG2 or a GA 467 reader hands them over."""
    return resources.files("devices.face").joinpath("samples", name).read_bytes()


def with_photo(identity: Identity, name: str = "person_a_2.jpg") -> Identity:
    return dataclasses.replace(identity, photo=portrait_jpeg(name))


PASSPORT_WITH_PHOTO = with_photo(PASSPORT)
RESIDENT_WITH_PHOTO = with_photo(RESIDENT)


def face_catalog():
    """The demo catalog with FACE_SERVICE needing a face check."""
    catalog = load_demo_catalog()
    services = tuple(s.model_copy(update={"face_check": s.code == FACE_SERVICE}) for s in catalog.services)
    return catalog.model_copy(update={"services": services})


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine()


@pytest.fixture(scope="session")
def mrz_reader():
    reader = MrzReader()
    yield reader
    reader.close()


def face_check(engine: FaceEngine, camera: SimulatedFaceCamera, seed: int = 1) -> FaceCheck:
    return FaceCheck(camera, engine, threshold=0.5, timeout_s=30, rng=random.Random(seed))


def face_camera(portrait: str = "person_a.jpg") -> SimulatedFaceCamera:
    return SimulatedFaceCamera(sample_portrait(portrait))


def passport_page(holder: Holder = LI_SI):
    """The photo page laid open on the document camera's platen."""
    return holder_page(holder, seed=3, frame=(960, 540)).image


async def follow_prompts(pilot, camera: SimulatedFaceCamera, done, timeout: float = 90.0) -> list[str]:
    """A cooperative citizen: turn the head as the check screen asks, until `done()`.
    Returns the prompts seen, in order."""
    seen: list[str] = []

    def step() -> bool:
        screen = pilot.app.screen
        if isinstance(screen, FaceCheckScreen) and screen.prompt != "done":
            if not seen or seen[-1] != screen.prompt:
                seen.append(screen.prompt)
                camera.look(POSE[Prompt(screen.prompt)])
        return done()

    await wait_for(pilot, step, timeout=timeout)
    return seen
