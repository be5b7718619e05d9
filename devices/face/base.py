"""What the face check is, as the station sees it: a face camera, faces found, the outcome.

The face camera is a camera like the document camera (`devices.camera.base.Camera`: start,
stop, latest frame with a timeout, probe); it faces the citizen instead of the platen, so
its simulated backend renders a face rather than a page. What is found on a frame is a
`Face` (box and five landmarks, no pixels); what leaves a face check is a `FaceOutcome`
(matched or not, a coarse band, the method): never a frame, an embedding or a distance.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from devices.camera.base import Camera

#: The face camera's protocol is the camera protocol: one name for readers of this package.
FaceCamera = Camera

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Face:
    """One face on a frame: its box (left, top, right, bottom) and dlib's five landmarks.

    `landmarks` are, in image coordinates: the two corners of the eye on the image's right,
    the two corners of the eye on the image's left, and the base of the nose.
    """

    box: tuple[int, int, int, int]
    landmarks: tuple[Point, Point, Point, Point, Point]

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    def eye_centres(self) -> tuple[Point, Point]:
        """(eye on the image's left, eye on the image's right), each the mean of its corners."""
        p = self.landmarks
        right = ((p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2)
        left = ((p[2][0] + p[3][0]) / 2, (p[2][1] + p[3][1]) / 2)
        return left, right

    def yaw(self) -> float:
        """Signed head turn as the nose's offset from the eyes' midpoint, in eye distances.

        About 0 facing the camera; positive when the nose moves to the image's right. A flat
        photograph turned in front of the camera keeps this near 0 (every point of the
        plane moves together), which is what the head-turn challenge relies on.
        """
        left, right = self.eye_centres()
        span = math.dist(left, right)
        if span < 1e-6:
            return 0.0
        mid_x = (left[0] + right[0]) / 2
        return (self.landmarks[4][0] - mid_x) / span


class ScoreBand(enum.StrEnum):
    """A coarse band of the distance, relative to the threshold: what may leave the session."""

    STRONG = "strong"  # well inside the threshold
    MATCH = "match"  # inside, near the edge
    NEAR = "near"  # just outside: often a poor frame or an old photo
    FAR = "far"  # clearly someone else (or no usable face)


@dataclass(frozen=True, slots=True)
class FaceOutcome:
    """The only thing a face check hands on (to the screen, the sealed submission).

    `reason` is a short, data-free code for a refusal ("mismatch", "liveness", "timeout",
    "no_face", "several_faces") and empty on a match.
    """

    matched: bool
    band: ScoreBand
    method: str
    live: bool
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"matched": self.matched, "band": self.band.value, "method": self.method,
                "live": self.live, "reason": self.reason}
