"""From a distance to a decision and a coarse band, and how the threshold is calibrated.

Only the band leaves a face check, never the distance: a distance is a fine-grained
biometric measurement, the band says enough for a clerk reviewing a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.face.base import ScoreBand

#: Band edges as shares of the threshold.
STRONG_SHARE = 0.8
NEAR_SHARE = 1.2


def decide(distance: float, threshold: float) -> tuple[bool, ScoreBand]:
    """(same person?, band) for an embedding distance under `threshold`."""
    if distance <= STRONG_SHARE * threshold:
        return True, ScoreBand.STRONG
    if distance <= threshold:
        return True, ScoreBand.MATCH
    if distance <= NEAR_SHARE * threshold:
        return False, ScoreBand.NEAR
    return False, ScoreBand.FAR


@dataclass(frozen=True, slots=True)
class Calibration:
    """A threshold proposed from labelled pairs, with the error rates it gives on them."""

    threshold: float
    false_accepts: int  # different-person pairs at or under the threshold
    false_rejects: int  # same-person pairs over it
    genuine_pairs: int
    impostor_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        return {"threshold": round(self.threshold, 4), "false_accepts": self.false_accepts,
                "false_rejects": self.false_rejects, "genuine_pairs": self.genuine_pairs,
                "impostor_pairs": self.impostor_pairs}


def calibrate(genuine: list[float], impostor: list[float], margin: float = 0.02) -> Calibration:
    """The threshold that accepts no impostor pair of the set, `margin` below the closest one.

    A station must prefer a wrong refusal (the citizen goes to a counter) to a wrong accept
    (someone acts in another's name), so the threshold sits under every impostor distance
    seen; the false rejects it costs are reported so that a too-small or too-hard set shows.
    Needs both kinds of pair; the more impostor pairs, the tighter the bound.
    """
    if not genuine or not impostor:
        raise ValueError("calibration needs same-person and different-person pairs")
    threshold = min(impostor) - margin
    return Calibration(threshold, sum(d <= threshold for d in impostor), sum(d > threshold for d in genuine),
                       len(genuine), len(impostor))
