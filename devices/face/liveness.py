"""Liveness by a randomised head-turn challenge, judged from the five landmarks alone.

The citizen is asked to look straight, then turn left or right in an order drawn at random
per session, coming back to the middle in between. A turn is the nose moving sideways
against the eyes (`Face.yaw`), which a living head does and a flat photograph, however it
is tilted or slid, does not: every point of the plane moves together. The random order stops
a prepared clip of the *wrong* turns, not a live relay or a video replay driven by someone
watching the screen, nor a 3-D mask: this is a check against photos, and documented so
(docs/face.md, "What liveness stops").

Directions are in the citizen's terms on a mirrored preview: "turn left" moves the nose to
the image's right (the camera faces the citizen).
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from devices.face.base import Face


class Prompt(enum.StrEnum):
    """What the screen asks for now."""

    CENTRE = "centre"
    LEFT = "left"
    RIGHT = "right"
    DONE = "done"


#: Sign of the image-space yaw each prompt wants (see the module docstring).
_SIGN = {Prompt.LEFT: 1.0, Prompt.RIGHT: -1.0}


@dataclass(frozen=True, slots=True)
class ChallengeStep:
    prompt: Prompt
    frames: int  # frames the pose has been held


class HeadTurnChallenge:
    """Centre, then each turn (random order) with a return to centre between; see above.

    `feed(face)` moves it on; a pose counts after `hold` frames in a row, so a single
    jittery landmark cannot complete a step.
    """

    def __init__(self, rng: random.Random, turns: int = 2, turn_yaw: float = 0.18, hold: int = 2) -> None:
        directions = [Prompt.LEFT, Prompt.RIGHT] * ((turns + 1) // 2)
        rng.shuffle(directions)
        steps: list[Prompt] = [Prompt.CENTRE]
        for d in directions[:turns]:
            steps += [d, Prompt.CENTRE]
        self.steps = steps
        self.turn_yaw = turn_yaw
        self.centre_yaw = turn_yaw / 2
        self.hold = hold
        self._at = 0
        self._held = 0

    @property
    def prompt(self) -> Prompt:
        return self.steps[self._at] if self._at < len(self.steps) else Prompt.DONE

    @property
    def done(self) -> bool:
        return self._at >= len(self.steps)

    def _satisfied(self, yaw: float) -> bool:
        p = self.prompt
        if p is Prompt.CENTRE:
            return abs(yaw) <= self.centre_yaw
        return yaw * _SIGN[p] >= self.turn_yaw

    def feed(self, face: Face) -> ChallengeStep:
        """Judge one frame's face; returns the step now asked for and how long it is held."""
        if self.done:
            return ChallengeStep(Prompt.DONE, 0)
        if self._satisfied(face.yaw()):
            self._held += 1
            if self._held >= self.hold:
                self._at += 1
                self._held = 0
        else:
            self._held = 0
        return ChallengeStep(self.prompt, self._held)
