"""One contract for every camera backend: the simulated one and OpenCV on a real video file.

Each backend contributes a *rig*: the camera under test plus `lose()` / `restore()`,
which act on the other end of its stack (unplugging the simulated camera; deleting and
restoring the video file a looping OpenCV capture reads). To add a backend, write its rig
and add it to RIGS.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from devices.camera.base import Camera, DocKind, Frame
from devices.camera.opencv_camera import OpenCVCamera
from devices.camera.pipeline import detect_document
from devices.camera.simulated import SimulatedCamera
from devices.errors import CameraLost, DeviceUnavailable
from tests.integration.camera.videos import slide_hold_remove


@dataclass
class CameraRig:
    camera: Camera
    lose: Callable[[], None]
    restore: Callable[[], None]


@contextlib.contextmanager
def simulated_rig(tmp_path) -> Iterator[CameraRig]:
    cam = SimulatedCamera(640, 360, seed=31)
    cam.place(DocKind.A4)
    yield CameraRig(cam, cam.unplug, cam.replug)


@contextlib.contextmanager
def opencv_rig(tmp_path) -> Iterator[CameraRig]:
    video = slide_hold_remove(tmp_path / "contract.avi", slide=1, hold=10, empty=0, lead=0)
    backup = tmp_path / "backup.avi"
    shutil.copy(video, backup)
    cam = OpenCVCamera(str(video), fps=60, loop=True, max_backoff=0.2)
    yield CameraRig(cam, lambda: os.remove(video), lambda: shutil.copy(backup, video))
    cam.stop()


RIGS = {"simulated": simulated_rig, "opencv-file": opencv_rig}


@pytest.fixture(params=sorted(RIGS))
def rig(request, tmp_path):
    with RIGS[request.param](tmp_path) as r:
        yield r


def test_is_a_camera(rig):
    assert isinstance(rig.camera, Camera) and rig.camera.name


def test_not_started_is_lost(rig):
    """Bad input: reading before start()."""
    with pytest.raises(CameraLost):
        rig.camera.latest(timeout=0.2)


def test_frames_are_bgr_fresh_and_ordered(rig):
    cam = rig.camera
    cam.start()
    frames = [cam.latest(timeout=2.0) for _ in range(5)]
    assert all(isinstance(f, Frame) and f.image.dtype == np.uint8 and f.image.ndim == 3 and f.image.shape[2] == 3
               for f in frames)
    seqs = [f.seq for f in frames]
    assert seqs == sorted(set(seqs))
    assert [f.timestamp for f in frames] == sorted(f.timestamp for f in frames)
    assert "ok" in cam.probe()
    cam.stop()
    cam.stop()
    with pytest.raises(CameraLost):
        cam.latest(timeout=0.2)


def test_frames_show_the_document(rig):
    rig.camera.start()
    found = [detect_document(rig.camera.latest(timeout=2.0).image).corners is not None for _ in range(6)]
    assert sum(found) >= 4
    rig.camera.stop()


def test_loss_is_reported_within_the_timeout_then_recovers(rig):
    """Bad input: the camera goes away (unplugged / its file deleted), then comes back."""
    cam = rig.camera
    cam.start()
    cam.latest(timeout=2.0)
    rig.lose()
    deadline = time.monotonic() + 5
    while True:
        t = time.monotonic()
        try:
            cam.latest(timeout=0.5)
        except CameraLost as exc:
            assert isinstance(exc, DeviceUnavailable)
            break
        finally:
            assert time.monotonic() - t < 1.0  # never blocks past its timeout
        assert time.monotonic() < deadline, "loss never reported"
    with pytest.raises(CameraLost):
        cam.probe()
    rig.restore()
    deadline = time.monotonic() + 5
    while True:
        try:
            cam.latest(timeout=0.5)
            break
        except CameraLost:
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(0.05)
    assert "ok" in cam.probe()
    cam.stop()
