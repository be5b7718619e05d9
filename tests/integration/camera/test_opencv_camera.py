"""OpenCV VideoCapture on real video and image files written to tmp."""

import os
import shutil
import time

import pytest

from devices.camera.base import DocKind
from devices.camera.opencv_camera import OpenCVCamera
from devices.camera.pipeline import Guidance
from devices.camera.tracker import CaptureTracker
from devices.errors import CameraLost

from tests.integration.camera.videos import FPS, slide_hold_remove, still_page


def _frames_until_lost(cam, limit=200):
    frames = []
    while len(frames) < limit:
        try:
            frames.append(cam.latest(timeout=2.0))
        except CameraLost:
            return frames
    raise AssertionError("stream never ended")


def test_video_slide_in_hold_remove_captures_once_and_not_while_moving(tmp_path):
    video = slide_hold_remove(tmp_path / "slide.avi", slide=12, hold=14, empty=6)
    cam = OpenCVCamera(str(video), fps=200)  # paced fast: the test reads every frame
    tracker = CaptureTracker(DocKind.A4, steady_frames=5, fps=FPS)
    cam.start()
    try:
        frames = _frames_until_lost(cam)
    finally:
        cam.stop()
    assert len(frames) == 3 + 12 + 14 + 6
    ups = [tracker.update(f) for f in frames]
    captured = [i for i, u in enumerate(ups) if u.captured]
    assert len(captured) == 1
    assert captured[0] >= 3 + 12 + 4  # resting from frame index 15 on; 5 steady frames needed
    assert all(u.guidance in (Guidance.NO_DOCUMENT, Guidance.CUT_OFF, Guidance.HOLD_STILL, Guidance.MOVE_INSIDE)
               for u in ups[: 3 + 12])
    assert ups[-1].guidance == Guidance.NO_DOCUMENT and not ups[-1].done
    page = ups[captured[0]].captured
    assert page.jpeg[:2] == b"\xff\xd8" and page.kind == DocKind.A4


def test_stream_end_is_reported_as_lost_without_blocking(tmp_path):
    """Bad input: a video that ends (no loop)."""
    video = slide_hold_remove(tmp_path / "v.avi", slide=2, hold=2, empty=1)
    cam = OpenCVCamera(str(video), fps=100)
    cam.start()
    try:
        _frames_until_lost(cam)
        t = time.monotonic()
        with pytest.raises(CameraLost, match="ended"):
            cam.latest(timeout=1.0)
        assert time.monotonic() - t < 0.5
        with pytest.raises(CameraLost):
            cam.probe()
    finally:
        cam.stop()


def test_looping_file_disappears_then_comes_back(tmp_path):
    """Bad input: the source file is deleted while being read, later restored."""
    video = slide_hold_remove(tmp_path / "loop.avi", slide=2, hold=3, empty=1)
    backup = tmp_path / "backup.avi"
    shutil.copy(video, backup)
    cam = OpenCVCamera(str(video), fps=100, loop=True, max_backoff=0.2)
    cam.start()
    try:
        seqs = [cam.latest(timeout=2.0).seq for _ in range(15)]  # more than one pass: it loops
        assert seqs == sorted(seqs)
        os.remove(video)
        deadline = time.monotonic() + 5
        while True:  # frames already read may still come; then the loss
            try:
                cam.latest(timeout=1.0)
            except CameraLost:
                break
            assert time.monotonic() < deadline, "deleted file never reported"
        with pytest.raises(CameraLost):
            cam.probe()
        shutil.copy(backup, video)
        deadline = time.monotonic() + 5
        while True:
            try:
                frame = cam.latest(timeout=0.5)
                break
            except CameraLost:
                assert time.monotonic() < deadline, "no recovery"
                time.sleep(0.05)
        assert frame.seq > seqs[-1]
        assert "ok" in cam.probe() and cam.reopens >= 1
    finally:
        cam.stop()


def test_still_image_source_and_its_removal(tmp_path):
    """Bad input: the image file is removed."""
    img = still_page(tmp_path / "page.png")
    cam = OpenCVCamera(str(img), fps=50, max_backoff=0.1)
    cam.start()
    try:
        f1, f2 = cam.latest(1.0), cam.latest(1.0)
        assert f2.seq > f1.seq and f1.image.shape == (360, 640, 3)
        os.remove(img)
        with pytest.raises(CameraLost):
            for _ in range(10):
                cam.latest(1.0)
    finally:
        cam.stop()


def test_missing_device_and_stopped_camera():
    """Bad input: a device index that does not exist; reading a stopped camera."""
    cam = OpenCVCamera(97, max_backoff=0.1)
    cam.start()
    try:
        with pytest.raises(CameraLost):
            cam.latest(timeout=1.0)
    finally:
        cam.stop()
    cam.stop()  # idempotent
    with pytest.raises(CameraLost, match="not started"):
        cam.latest(0.1)
