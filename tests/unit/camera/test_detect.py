"""Detector geometry helpers and accuracy bars on generated platen frames (fixed seeds)."""

import numpy as np
import pytest

from devices.camera import synth
from devices.camera.detect import detect_document, order_corners, quad_iou


def test_order_corners_starts_top_left_and_runs_clockwise():
    pts = np.array([[90, 80], [10, 10], [10, 80], [90, 10]], np.float32)
    assert order_corners(pts).tolist() == [[10, 10], [90, 10], [90, 80], [10, 80]]


def test_quad_iou_identity_shift_and_disjoint():
    a = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], np.float32)
    assert quad_iou(a, a[::-1]) == pytest.approx(1.0)
    assert quad_iou(a, a + [50, 0]) == pytest.approx(50 / 150)
    assert quad_iou(a, a + [500, 0]) == 0.0


# Accuracy on a fixed seed. 1280x720 keeps the test area fast; bench/docs.py measures the
# same at 1920x1080 on more frames. Two tests: the issue's bars (mean IoU >= 0.98 with
# misses as 0, share with IoU >= 0.9 >= 0.97), and a regression floor just under the level
# reached on these frames (0.989 / 0.983: one of 59 whole documents below 0.9).
SEEDS = range(1000, 1090)
TARGET_MEAN_IOU, TARGET_SHARE = 0.98, 0.97
FLOOR_MEAN_IOU, FLOOR_SHARE = 0.985, 0.965


@pytest.fixture(scope="module")
def results():
    out = []
    for seed in SEEDS:
        s = synth.sample(seed, 1280, 720)
        out.append((s, detect_document(s.image)))
    return out


def _whole_ious(results):
    ious = np.array([quad_iou(d.corners, s.corners) if d.corners is not None else 0.0
                     for s, d in results if s.situation == synth.Situation.WHOLE])
    assert len(ious) > 50
    return ious


def test_issue_accuracy_bars(results):
    ious = _whole_ious(results)
    assert np.mean(ious) >= TARGET_MEAN_IOU and np.mean(ious >= 0.9) >= TARGET_SHARE


def test_accuracy_does_not_regress(results):
    ious = _whole_ious(results)
    assert np.mean(ious) >= FLOOR_MEAN_IOU
    assert np.mean(ious >= 0.9) >= FLOOR_SHARE


def test_no_corners_without_a_whole_document(results):
    """Bad input: empty platens, hands only, documents cut off by the frame edge."""
    negatives = [(s, d) for s, d in results if s.situation != synth.Situation.WHOLE]
    fp = sum(d.corners is not None for _, d in negatives)
    assert fp <= max(0, int(0.02 * len(negatives)))


@pytest.mark.parametrize("mat", synth.MATS)
def test_each_mat(mat):
    s = synth.sample(7, 960, 540, situation=synth.Situation.WHOLE, mat=mat)
    d = detect_document(s.image)
    assert d.corners is not None and quad_iou(d.corners, s.corners) > 0.95


def test_cut_off_document_is_flagged():
    """Bad input: a page half outside the frame."""
    s = synth.sample(3, 960, 540, situation=synth.Situation.CUT, mat="dark")
    d = detect_document(s.image)
    assert d.corners is None and d.cut_off


def test_empty_mat_and_tiny_images():
    """Bad input: nothing on the platen; a 1x1 and a grey image."""
    assert detect_document(synth.sample(4, 960, 540, situation=synth.Situation.EMPTY).image).corners is None
    assert detect_document(np.zeros((1, 1, 3), np.uint8)).corners is None
    assert detect_document(np.full((50, 80, 3), 128, np.uint8)).corners is None
