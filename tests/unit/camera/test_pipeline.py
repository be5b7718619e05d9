"""Quality gates, warp, JPEG bound, preview cells, generator determinism, settings."""

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from devices.camera import synth
from devices.camera.base import DocKind
from devices.camera.factory import build_camera, build_tracker
from devices.camera.opencv_camera import OpenCVCamera, describe_source
from devices.camera.pipeline import Gates, Guidance, analyse, encode_jpeg, judge, measure, preview_cells, warp
from devices.camera.quality import Quality
from devices.camera.settings import CameraSettings
from devices.camera.simulated import SimulatedCamera


def _scene(**fx):
    sc = synth.random_scene(11, 960, 540, situation=synth.Situation.WHOLE, kind=DocKind.A4, mat="dark")
    return synth.render(synth.Scene(**{**sc.__dict__, "effects": synth.Effects(**fx)}))


def test_blur_lowers_sharpness_below_the_gate():
    """Bad input: a defocused page (Gaussian sigma 3) and a motion-smeared one."""
    sharp = _scene()
    q = measure(sharp.image, sharp.corners)
    assert judge(q, Gates()) == Guidance.OK
    for fx in ({"blur_sigma": 3.0}, {"motion_px": 15}):
        blurred = _scene(**fx)
        qb = measure(blurred.image, blurred.corners)
        assert qb.sharpness < Gates().min_sharpness < q.sharpness
        assert analyse(blurred.image).guidance == Guidance.BLURRY


def test_glare_darkness_and_overexposure_are_named():
    """Bad input: glare spots on the page, a dark frame, an over-exposed frame."""
    assert analyse(_scene(glare_spots=2).image).guidance == Guidance.GLARE
    assert analyse(_scene(exposure=0.3).image).guidance == Guidance.TOO_DARK
    assert analyse(_scene(exposure=1.6).image).guidance == Guidance.TOO_BRIGHT


def test_gate_order_and_margin():
    q = Quality(sharpness=10, glare=0.5, brightness=20, margin=0.008)
    assert judge(q, Gates()) == Guidance.MOVE_INSIDE
    assert judge(Quality(10, 0.5, 20, 0.001), Gates()) == Guidance.CUT_OFF  # at the frame's edge
    assert judge(Quality(500, 0.0, 150, -0.05), Gates()) == Guidance.CUT_OFF  # corners outside
    assert judge(Quality(10, 0.0, 150, 0.1), Gates()) == Guidance.BLURRY


def test_warp_gives_the_real_aspect_ratio_in_the_quads_orientation():
    img = np.zeros((600, 800, 3), np.uint8)
    landscape = np.array([[100, 100], [700, 120], [690, 500], [110, 480]], np.float32)
    out = warp(img, landscape, DocKind.ID1)
    assert out.shape[1] / out.shape[0] == pytest.approx(DocKind.ID1.aspect, rel=0.01)
    portrait = np.array([[300, 50], [560, 50], [560, 550], [300, 550]], np.float32)
    out = warp(img, portrait, DocKind.A4, long_px=1000)
    assert out.shape[:2] == (1000, round(1000 / DocKind.A4.aspect))


def test_warp_recovers_a_known_flat_page():
    """A page with a known pattern is projected into a frame and flattened back."""
    rng = np.random.default_rng(2)
    small = rng.integers(0, 256, (12, 17, 3), dtype=np.uint8)
    flat = cv2.resize(small, (594, round(594 / DocKind.A4.aspect)), interpolation=cv2.INTER_CUBIC)
    h, w = flat.shape[:2]
    corners = np.array([[200, 120], [200 + 560, 150], [190 + 570, 150 + 400], [180, 110 + 400]], np.float32)
    m = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), corners)
    frame = cv2.warpPerspective(flat, m, (960, 720))
    out = warp(frame, corners, DocKind.A4, long_px=w)
    assert out.shape[:2] == flat.shape[:2]
    diff = np.abs(out.astype(int) - flat.astype(int))[5:-5, 5:-5]
    assert np.median(diff) < 3 and np.mean(diff) < 20


def test_encode_jpeg_respects_the_bound():
    """Bad input: a noisy image that cannot fit at any quality without shrinking; a 10-byte bound."""
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (800, 1200, 3), dtype=np.uint8)
    for bound in (400_000, 50_000, 5_000):
        data = encode_jpeg(img, bound)
        assert len(data) <= bound and data[:2] == b"\xff\xd8"
        assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is not None
    with pytest.raises(ValueError):
        encode_jpeg(img, 10)


def test_preview_cells_shape_and_outline():
    img = np.zeros((540, 960, 3), np.uint8)
    corners = np.array([[100, 100], [800, 100], [800, 400], [100, 400]], np.float32)
    cells = preview_cells(img, corners, 40, 12)
    assert len(cells) == 12 and all(len(r) == 40 for r in cells)
    colours = {c for row in cells for pair in row for c in pair}
    assert (60, 220, 80) in colours and (0, 0, 0) in colours
    assert preview_cells(img, None, 0, 5) == []


def test_generator_is_deterministic_and_truthful():
    a, b = synth.sample(5, 640, 360), synth.sample(5, 640, 360)
    assert np.array_equal(a.image, b.image) and a.situation == b.situation
    c = synth.sample(6, 640, 360)
    assert not np.array_equal(a.image, c.image)
    whole = synth.sample(8, 640, 360, situation=synth.Situation.WHOLE)
    assert whole.corners.min() >= 0 and whole.corners[:, 0].max() < 640 and whole.corners[:, 1].max() < 360
    cut = synth.sample(8, 640, 360, situation=synth.Situation.CUT)
    assert synth.outside_share(cut.corners, 640, 360) >= 0.04


def test_settings_forbid_unknown_keys_and_build_backends():
    """Bad input: an unknown key and a negative frame rate."""
    with pytest.raises(ValidationError):
        CameraSettings(colour="red")
    with pytest.raises(ValidationError):
        CameraSettings(fps=-1)
    assert isinstance(build_camera(CameraSettings()), SimulatedCamera)
    cam = build_camera(CameraSettings(backend="opencv", source="3"))
    assert isinstance(cam, OpenCVCamera) and cam.source == 3
    tracker = build_tracker(CameraSettings(steady_frames=3, min_sharpness=5), DocKind.ID1)
    assert tracker.steady_frames == 3 and tracker.gates.min_sharpness == 5


def test_stream_credentials_never_reach_names():
    assert describe_source("rtsp://admin:secret@10.0.0.5/stream") == "opencv:rtsp://***@10.0.0.5/stream"
    assert describe_source(0) == "opencv:0"
