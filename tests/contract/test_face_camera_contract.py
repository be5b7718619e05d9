"""The camera contract, run on the face camera's backends, plus what a face camera adds:
its frames show one face the face engine finds.

The generic checks are the document camera's own (imported from its contract module, so
the two kinds cannot drift apart); only the rigs differ: the simulated face camera, and the
OpenCV backend reading a real video file of simulated face frames.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest

from devices.camera.opencv_camera import OpenCVCamera
from devices.face.engine import FaceEngine
from devices.face.simulated import SimulatedFaceCamera, load_portrait
from tests.contract.test_camera_contract import (  # noqa: F401 - collected here with the face rigs
    CameraRig,
    test_frames_are_bgr_fresh_and_ordered,
    test_is_a_camera,
    test_loss_is_reported_within_the_timeout_then_recovers,
    test_not_started_is_lost,
)
from tests.integration.camera.videos import H, W, write_video


@contextlib.contextmanager
def simulated_rig(tmp_path) -> Iterator[CameraRig]:
    cam = SimulatedFaceCamera(load_portrait(), W, H)
    yield CameraRig(cam, cam.unplug, cam.replug)


@contextlib.contextmanager
def opencv_rig(tmp_path) -> Iterator[CameraRig]:
    source = SimulatedFaceCamera(load_portrait(), W, H)
    source.start()
    source.turn([0.0, 0.1, 0.2, 0.1, 0.0, -0.1, -0.2, -0.1, 0.0, 0.0])
    video = write_video(tmp_path / "face.avi", [source.latest().image for _ in range(10)])
    backup = tmp_path / "backup.avi"
    shutil.copy(video, backup)
    cam = OpenCVCamera(str(video), fps=60, loop=True, max_backoff=0.2)
    yield CameraRig(cam, lambda: os.remove(video), lambda: shutil.copy(backup, video))
    cam.stop()


RIGS = {"simulated-face": simulated_rig, "opencv-face-file": opencv_rig}


@pytest.fixture(params=sorted(RIGS))
def rig(request, tmp_path):
    with RIGS[request.param](tmp_path) as r:
        yield r


@pytest.fixture(scope="module")
def engine():
    return FaceEngine()


def test_frames_show_one_face(rig, engine):
    rig.camera.start()
    seen = [len(engine.find(rig.camera.latest(timeout=2.0).image)) for _ in range(4)]
    assert seen == [1, 1, 1, 1]
    rig.camera.stop()
