"""Turn a challenge's steps into the head poses a cooperative citizen would show."""

from __future__ import annotations

from devices.face.liveness import Prompt

#: Simulated yaw per prompt (the simulated camera's units: face widths of nose shift).
POSE = {Prompt.CENTRE: 0.0, Prompt.LEFT: 0.25, Prompt.RIGHT: -0.25}


def cooperative(steps: list[Prompt], frames: int = 3) -> list[float]:
    return [POSE[p] for p in steps for _ in range(frames)]
