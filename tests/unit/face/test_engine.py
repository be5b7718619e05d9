"""The face engine on the packaged portraits: detection, landmarks, distances, the CPU check.

What these cannot prove: accuracy on real faces at a real station. Three portraits of two
people show that the model and the metric are wired right (same person well under the
threshold, different people well over it); the threshold itself must be calibrated on a
local set of consenting people (docs/face.md, "Calibrating the threshold").
"""

from __future__ import annotations

import pytest

from devices.errors import FaceCheckUnavailable
from devices.face.base import ScoreBand
from devices.face.decision import calibrate, decide
from devices.face.engine import FaceEngine, distance, missing_cpu_flags
from devices.face.settings import DEFAULT_THRESHOLD
from devices.face.simulated import sample_portrait


def _embedding(engine, name):
    image, _ = sample_portrait(name)
    faces = engine.find(image)
    assert len(faces) == 1
    return engine.embed(image, faces[0])


def test_one_face_with_plausible_landmarks(engine):
    image, (nose_x, nose_y, width) = sample_portrait("person_a.jpg")
    (face,) = engine.find(image)
    left, right = face.eye_centres()
    assert left[0] < face.landmarks[4][0] < right[0]  # the nose between the eyes
    assert max(left[1], right[1]) < face.landmarks[4][1]  # and below them
    assert abs(face.landmarks[4][0] - nose_x) < 3 and abs(face.width - width) < 4
    assert abs(face.yaw()) < 0.05


def test_same_person_close_other_person_far(engine):
    a1, a2, a3 = (_embedding(engine, f) for f in ("person_a.jpg", "person_a_2.jpg", "person_a_3.jpg"))
    b = _embedding(engine, "person_b.jpg")
    same = [distance(a1, a2), distance(a1, a3), distance(a2, a3)]
    other = [distance(x, b) for x in (a1, a2, a3)]
    assert max(same) < 0.45 < DEFAULT_THRESHOLD < 0.75 < min(other)
    assert all(decide(d, DEFAULT_THRESHOLD)[0] for d in same)
    assert not any(decide(d, DEFAULT_THRESHOLD)[0] for d in other)


def test_no_face_on_a_blank_frame(engine):
    import numpy as np

    assert engine.find(np.full((480, 640, 3), 128, np.uint8)) == []


def test_cpu_without_avx_is_refused_with_the_reason(tmp_path):
    """Bad input: a CPU whose flags lack AVX (a real cpuinfo-format file)."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2\n")
    assert missing_cpu_flags(cpuinfo) == ["avx"]
    with pytest.raises(FaceCheckUnavailable, match="AVX"):
        FaceEngine(cpuinfo=cpuinfo)


def test_cpu_check_reads_this_machine():
    assert missing_cpu_flags() == []  # this machine runs dlib-bin, so it has AVX


@pytest.mark.parametrize(("d", "matched", "band"), [
    (0.30, True, ScoreBand.STRONG), (0.45, True, ScoreBand.MATCH), (0.55, False, ScoreBand.NEAR),
    (0.90, False, ScoreBand.FAR),
])
def test_bands(d, matched, band):
    assert decide(d, 0.5) == (matched, band)


def test_calibration_sits_under_every_impostor_and_reports_its_cost():
    cal = calibrate([0.30, 0.41, 0.58], [0.62, 0.80, 0.95], margin=0.02)
    assert cal.threshold == pytest.approx(0.60)
    assert (cal.false_accepts, cal.false_rejects) == (0, 0)
    cal = calibrate([0.30, 0.41, 0.58], [0.50, 0.80], margin=0.02)
    assert (cal.false_accepts, cal.false_rejects) == (0, 1)
    with pytest.raises(ValueError):
        calibrate([0.3], [])
