"""Auto-capture over the simulated camera: steady -> countdown -> one capture."""

import cv2
import numpy as np

from devices.camera.base import DocKind
from devices.camera.pipeline import Guidance
from devices.camera.simulated import SimulatedCamera
from devices.camera.synth import Effects
from devices.camera.tracker import CaptureTracker
from devices.errors import CameraLost


def _run(cam, tracker, n):
    return [tracker.update(cam.latest()) for _ in range(n)]


def test_slide_in_hold_capture_once_then_rearm_after_removal():
    cam = SimulatedCamera(640, 360, fps=10, seed=3)
    cam.start()
    tracker = CaptureTracker(DocKind.A4, steady_frames=4, fps=10)
    cam.slide_in(DocKind.A4, frames=8)
    ups = _run(cam, tracker, 16)
    captured = [u for u in ups if u.captured]
    assert len(captured) == 1
    first_still = 9  # frames 1-8 slide, frame 9 rests
    assert captured[0].seq >= first_still + 3
    assert all(u.captured is None for u in ups if u.seq < first_still)
    counting = [u.countdown for u in ups if u.countdown is not None and not u.captured]
    assert counting == sorted(counting, reverse=True) and counting[0] > 0
    page = captured[0].captured
    img = cv2.imdecode(np.frombuffer(page.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (page.height, page.width)
    assert abs(max(page.width, page.height) / min(page.width, page.height) - DocKind.A4.aspect) < 0.01
    assert ups[-1].done and ups[-1].captured is None
    cam.remove()
    ups = _run(cam, tracker, 4)
    assert [u.guidance for u in ups] == [Guidance.NO_DOCUMENT] * 4 and not ups[-1].done
    cam.place(DocKind.A4, seed=99)
    assert sum(u.captured is not None for u in _run(cam, tracker, 8)) == 1


def test_nothing_is_captured_while_the_page_moves():
    """Bad input: a page sliding for 30 frames (never still)."""
    cam = SimulatedCamera(640, 360, fps=10, seed=4)
    cam.start()
    tracker = CaptureTracker(DocKind.A4, steady_frames=3)
    cam.slide_in(DocKind.A4, frames=30)
    ups = _run(cam, tracker, 30)
    assert all(u.captured is None for u in ups)
    assert any(u.guidance == Guidance.HOLD_STILL for u in ups)
    assert any(u.guidance == Guidance.CUT_OFF for u in ups)


def test_blurry_page_is_not_captured_and_retake_after_reset():
    """Bad input: a defocused page lying still."""
    cam = SimulatedCamera(640, 360, fps=10, seed=5, effects=Effects(blur_sigma=3.0))
    cam.start()
    cam.place(DocKind.A4)
    tracker = CaptureTracker(DocKind.A4, steady_frames=3)
    ups = _run(cam, tracker, 8)
    assert all(u.captured is None for u in ups) and ups[-1].guidance == Guidance.BLURRY
    cam.set_effects(Effects())
    ups = _run(cam, tracker, 5)
    assert sum(u.captured is not None for u in ups) == 1
    tracker.reset()  # retake: the same page is captured again
    assert sum(u.captured is not None for u in _run(cam, tracker, 5)) == 1


def test_simulated_faults_and_recording():
    """Bad input: one injected failure; an unplugged camera."""
    cam = SimulatedCamera(320, 180)
    try:
        cam.latest()
        raise AssertionError("latest() before start must fail")
    except CameraLost:
        pass
    cam.start()
    cam.fail_next = CameraLost("injected")
    try:
        cam.latest()
        raise AssertionError("fail_next ignored")
    except CameraLost as exc:
        assert "injected" in str(exc)
    assert cam.latest().seq == 1
    cam.unplug()
    try:
        cam.latest()
        raise AssertionError("unplugged camera served a frame")
    except CameraLost:
        pass
    cam.replug()
    assert cam.latest().seq == 2
    assert [s.seq for s in cam.served] == [1, 2] and cam.served[0].scene.kind is None
