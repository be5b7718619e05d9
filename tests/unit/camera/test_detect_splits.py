"""Regression floors on both widened seed splits (issue 16), on a subset that runs quickly.

`bench/docs.py` measures the same on hundreds of frames per split, at the splits' own
sizes; these are the first SUBSET seeds of each, rendered at 960x540 to stay fast (smaller
than any split size, so ID cards are smaller than the bench's: the tuning subset's floor is
lower than the bench's figures for that reason). The tuning split is what the detector was tuned on, the held-out
split was never looked at while tuning: a floor on each says the level reached holds, and
that it holds on frames the detector was not fitted to. Floors sit just under the level
measured on these subsets (see docs/camera.md for the full figures)."""

import numpy as np
import pytest

from devices.camera import synth
from devices.camera.detect import detect_document, quad_iou

SUBSET = 40
# split: (mean IoU with misses as 0, share with IoU >= 0.9) floors on the subset's whole
# documents; measured: tuning 0.9455 / 0.893 (25 of 28), held-out 0.9912 / 1.0 (21 of 21)
FLOORS = {"tuning": (0.94, 0.89), "held-out": (0.985, 0.95)}
SPLITS = {"tuning": synth.TUNING_SEEDS, "held-out": synth.HELD_OUT_SEEDS}


@pytest.fixture(scope="module", params=sorted(SPLITS))
def split(request):
    out = []
    for seed in SPLITS[request.param][:SUBSET]:
        s = synth.wide_sample(seed, width=960, height=540)
        out.append((s, detect_document(s.image).corners))
    return request.param, out


def test_floor_on_whole_documents(split):
    name, results = split
    ious = np.array([quad_iou(c, s.corners) if c is not None else 0.0
                     for s, c in results if s.situation == synth.Situation.WHOLE])
    assert len(ious) >= 15
    floor_mean, floor_share = FLOORS[name]
    assert np.mean(ious) >= floor_mean and np.mean(ious >= 0.9) >= floor_share, (name, np.mean(ious), np.mean(ious >= 0.9))


def test_no_corners_without_one_whole_document(split):
    """Bad input: empty platens, hands only, documents cut off at any edge: no corners.
    Two documents: either one, or none; never a quad matching neither (their union)."""
    _, results = split
    negatives = [c for s, c in results if s.situation in (synth.Situation.EMPTY, synth.Situation.HAND, synth.Situation.CUT)]
    assert negatives and sum(c is not None for c in negatives) == 0
    for s, c in results:
        if s.situation == synth.Situation.TWO and c is not None:
            assert max(quad_iou(c, t) for t in (s.corners, *s.others)) >= 0.9
