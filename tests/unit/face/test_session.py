"""Whole face checks on the simulated face camera: a match, a mismatch, a photo held up,
nobody there, and the wiping of what the session held.

The simulated head turn moves the nose against the eyes the way a real turn does; a real
camera and real people are needed to measure how often honest citizens pass the challenge.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from devices.errors import ReferencePhotoUnusable
from devices.face.base import ScoreBand
from devices.face.liveness import Prompt
from devices.face.session import FaceSession, run_check
from devices.face.simulated import SimulatedFaceCamera, load_portrait, sample_portrait
from tests.unit.face.script import cooperative


def _session(engine, reference="person_a_2.jpg", seed=1, **kw):
    image, _ = sample_portrait(reference)
    return FaceSession(engine, image, threshold=0.5, rng=random.Random(seed), **kw)


def _camera(portrait="person_a.jpg"):
    cam = SimulatedFaceCamera(sample_portrait(portrait))
    cam.start()
    return cam


def test_same_person_turning_as_asked_is_matched(engine):
    cam = _camera()
    with _session(engine) as session:
        cam.turn(cooperative(session.challenge.steps))
        prompts = []
        outcome = run_check(cam, session, 30, on_progress=lambda p: prompts.append(p.prompt))
    assert outcome.matched and outcome.live and outcome.band in (ScoreBand.STRONG, ScoreBand.MATCH)
    assert outcome.method == "dlib-resnet-v1+head-turn" and outcome.reason == ""
    assert prompts[-1] is Prompt.DONE and {Prompt.LEFT, Prompt.RIGHT} <= set(prompts)
    assert set(outcome.as_dict()) == {"matched", "band", "method", "live", "reason"}


def test_other_person_is_refused_as_a_mismatch(engine):
    cam = _camera()
    with _session(engine, reference="person_b.jpg") as session:
        cam.turn(cooperative(session.challenge.steps))
        outcome = run_check(cam, session, 30)
    assert not outcome.matched and outcome.live
    assert (outcome.band, outcome.reason) == (ScoreBand.FAR, "mismatch")


def test_photo_held_up_and_turned_fails_liveness(engine):
    """Bad input: a printed photo of the right person, tilted both ways in front of the camera."""
    cam = _camera()
    with _session(engine) as session:
        cam.hold_photo([0.0, 0.0, 0.0, 0.5, 0.7, 0.7, 0.0, -0.5, -0.7, -0.7, 0.0] * 2)
        clock = iter(range(1000)).__next__
        outcome = run_check(cam, session, 22, clock=lambda: float(clock()))
    assert not outcome.matched and not outcome.live and outcome.reason == "liveness"
    assert session.challenge.prompt in (Prompt.LEFT, Prompt.RIGHT)  # stuck at the first turn


def test_nobody_there_times_out(engine):
    cam = _camera()
    cam.leave()
    with _session(engine) as session:
        clock = iter(range(1000)).__next__
        outcome = run_check(cam, session, 5, clock=lambda: float(clock()))
    assert (outcome.matched, outcome.reason) == (False, "liveness")
    assert session.challenge.prompt is Prompt.CENTRE


def test_turn_order_is_random_per_session(engine):
    orders = {tuple(_session(engine, seed=s).challenge.steps) for s in range(12)}
    assert len(orders) == 2  # left first or right first, both drawn
    for steps in orders:
        assert steps[0] is Prompt.CENTRE and steps[-1] is Prompt.CENTRE


def test_wipe_zeroes_the_embedding_and_the_reference_photo(engine):
    image, _ = sample_portrait("person_a_2.jpg")
    session = FaceSession(engine, image, threshold=0.5)
    assert not image.any()  # the reference photo is zeroed once embedded
    held = session._reference
    assert held is not None and held.any()
    session.feed(_camera().latest().image)
    assert session._distances
    session.wipe()
    assert not held.any() and session._reference is None and not session._distances
    session.wipe()  # idempotent
    with pytest.raises(RuntimeError):
        session.feed(np.zeros((480, 640, 3), np.uint8))


def test_reference_without_one_face_is_unusable_and_still_zeroed(engine):
    """Bad input: a 'photo' with no face in it."""
    blank = np.full((400, 300, 3), 200, np.uint8)
    with pytest.raises(ReferencePhotoUnusable, match="0 faces"):
        FaceSession(engine, blank, threshold=0.5)
    assert not blank.any()


def test_two_people_in_the_picture_never_decide(engine):
    """Bad input: a second face beside the citizen's (someone helping, or a swap)."""
    image, (_, nose_y, width) = load_portrait()
    pair = np.concatenate([image, image], axis=1)
    cam = SimulatedFaceCamera((pair, (image.shape[1], nose_y, 2.5 * width)))  # both faces in view
    cam.start()
    with _session(engine) as session:
        clock = iter(range(1000)).__next__
        outcome = run_check(cam, session, 4, clock=lambda: float(clock()))
    assert (outcome.matched, outcome.reason) == (False, "several_faces")
