"""One face check: the reference, the challenge, the live samples, and their wiping.

Privacy rules the code keeps (face data is sensitive personal information):
- the reference photo is decoded into an array the session owns and zeroes once embedded;
- frames are looked at during `feed` and not kept (the camera's buffer holds only its
  newest frame and is overwritten by the next one);
- embeddings exist only inside the session and are zeroed by `wipe()` (also on `with` exit);
- what leaves is a `FaceOutcome`: matched or not, a coarse band, the method, liveness.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from devices.errors import ReferencePhotoUnusable
from devices.face.base import FaceCamera, FaceOutcome, ScoreBand
from devices.face.decision import decide
from devices.face.engine import FaceEngine, distance
from devices.face.liveness import HeadTurnChallenge, Prompt

LIVENESS_METHOD = "head-turn"


@dataclass(frozen=True, slots=True)
class Progress:
    """After one frame: what to ask for, how many faces were seen, whether it is over."""

    prompt: Prompt
    faces: int
    complete: bool


class FaceSession:
    """Compare the person before the camera with a reference photo (see the module docstring).

    `samples` frontal frames are embedded during the centre steps of the challenge; the
    decision uses their median distance, so one bad frame cannot decide alone.
    """

    def __init__(self, engine: FaceEngine, reference: np.ndarray, *, threshold: float, turns: int = 2,
                 turn_yaw: float = 0.18, samples: int = 3, rng: random.Random | None = None) -> None:
        self.engine = engine
        self.threshold = threshold
        self.samples = samples
        self.method = f"{engine.method}+{LIVENESS_METHOD}"
        self.challenge = HeadTurnChallenge(rng or random.SystemRandom(), turns=turns, turn_yaw=turn_yaw)
        self._distances: list[float] = []
        self._several = False
        try:
            faces = engine.find(reference)
            if len(faces) != 1:
                raise ReferencePhotoUnusable(f"the document photo shows {len(faces)} faces, not one")
            self._reference: np.ndarray | None = engine.embed(reference, faces[0])
        finally:
            reference.fill(0)

    def __enter__(self) -> FaceSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wipe()

    @property
    def taken(self) -> int:
        """Frontal samples compared so far (of `samples`)."""
        return len(self._distances)

    @property
    def complete(self) -> bool:
        return self.challenge.done and len(self._distances) >= self.samples

    def feed(self, image: np.ndarray) -> Progress:
        """Look at one frame: advance the challenge, embed it if frontal and still needed."""
        if self._reference is None:
            raise RuntimeError("this face session has been wiped")
        faces = self.engine.find(image)
        if len(faces) != 1:
            self._several = self._several or len(faces) > 1
            return Progress(self.challenge.prompt, len(faces), self.complete)
        face = faces[0]
        asked = self.challenge.prompt
        self.challenge.feed(face)
        frontal = abs(face.yaw()) <= self.challenge.centre_yaw
        if asked is Prompt.CENTRE and frontal and len(self._distances) < self.samples:
            probe = self.engine.embed(image, face)
            self._distances.append(distance(probe, self._reference))
            probe.fill(0)
        return Progress(self.challenge.prompt, 1, self.complete)

    def outcome(self, timed_out: bool = False) -> FaceOutcome:
        """The decision so far: a refusal with its reason unless the check is complete."""
        live = self.challenge.done
        if not self.complete:
            if not timed_out:
                reason = "incomplete"
            elif self._several:
                reason = "several_faces"  # someone else in the picture: never decide then
            else:
                reason = "no_face" if live else "liveness"
            return FaceOutcome(False, ScoreBand.FAR, self.method, live, reason)
        matched, band = decide(statistics.median(self._distances), self.threshold)
        return FaceOutcome(matched, band, self.method, live, "" if matched else "mismatch")

    def wipe(self) -> None:
        """Zero the reference embedding and forget every distance. Idempotent."""
        if self._reference is not None:
            self._reference.fill(0)
            self._reference = None
        self._distances.clear()


def run_check(camera: FaceCamera, session: FaceSession, timeout_s: float,
              on_progress: Callable[[Progress], None] | None = None,
              clock: Callable[[], float] = time.monotonic) -> FaceOutcome:
    """Feed the camera's frames to `session` until it completes or `timeout_s` passes.

    Camera trouble (CameraLost) propagates: the caller decides between "try again" and the
    counter. The session is not wiped here: its owner wipes it (a `with` block).
    """
    deadline = clock() + timeout_s
    while clock() < deadline:
        frame = camera.latest(timeout=min(1.0, max(0.05, deadline - clock())))
        progress = session.feed(frame.image)
        if on_progress is not None:
            on_progress(progress)
        if progress.complete:
            return session.outcome()
    return session.outcome(timed_out=True)
