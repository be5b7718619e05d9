"""Quality gates on a detected document, and the guidance a citizen gets from them.

Every measure is taken on the document itself, flattened to a fixed size
(`QUALITY_LONG_PX`), so that a small ID card and a full A4 page are judged on the same
scale: the variance of the Laplacian depends on the image scale, which is why the brief
says "at a fixed scale".
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from devices.camera.warp import output_size

QUALITY_LONG_PX = 512


class Guidance(enum.StrEnum):
    """What the citizen should do now; the UI maps each code to a translated sentence."""

    NO_DOCUMENT = "no_document"
    CUT_OFF = "cut_off"  # part of the document lies outside the camera's view
    MOVE_INSIDE = "move_inside"  # whole, but too close to the frame's edge
    HOLD_STILL = "hold_still"
    GLARE = "glare"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRY = "blurry"
    OK = "ok"


@dataclass(frozen=True)
class Gates:
    """Thresholds of the quality gates (defaults tuned on the generator's frames)."""

    min_sharpness: float = 120.0  # variance of the Laplacian at QUALITY_LONG_PX
    max_glare: float = 0.004  # share of clipped (>= 253) blobs on the document
    max_clipped: float = 0.25  # beyond this share the whole page is over-exposed, not glared
    min_brightness: float = 70.0  # mean grey level of the document
    max_brightness: float = 240.0
    edge_margin: float = 0.012  # corners at least this share of the frame inside its edge
    cut_margin: float = 0.004  # closer than this (or outside) = the page is cut off by the frame


@dataclass(frozen=True)
class Quality:
    """Measures of one detected document (all plain floats: JSON-ready via `as_dict`)."""

    sharpness: float
    glare: float
    brightness: float
    margin: float  # smallest corner distance to the frame edge, share of the shorter side

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def flatten_gray(image: np.ndarray, corners: np.ndarray, long_px: int = QUALITY_LONG_PX) -> np.ndarray:
    """The document as a grey image whose long side is `long_px` (aspect from the quad)."""
    w, h = output_size(corners, None, long_px)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), dst)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_AREA)


def measure(image: np.ndarray, corners: np.ndarray) -> Quality:
    """Sharpness, glare share, brightness and edge margin of the document at `corners`."""
    flat = flatten_gray(image, corners)
    inner = flat[4:-4, 4:-4]  # the page's own edge is not its sharpness
    sharp = float(cv2.Laplacian(inner, cv2.CV_32F).var())
    # clipped blobs, not single bright grains of a white sheet
    clipped = cv2.morphologyEx((inner >= 253).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    glare = float(np.count_nonzero(clipped)) / max(inner.size, 1)
    h, w = image.shape[:2]
    c = np.asarray(corners, np.float32)
    margin = float(min(c[:, 0].min(), c[:, 1].min(), w - 1 - c[:, 0].max(), h - 1 - c[:, 1].max())) / min(h, w)
    return Quality(sharp, glare, float(inner.mean()), margin)


def judge(q: Quality, gates: Gates) -> Guidance:
    """The first failing gate, in the order a citizen can fix them. A page reaching the
    frame's edge is cut off whatever else it looks like: never captured."""
    if q.margin < gates.cut_margin:
        return Guidance.CUT_OFF
    if q.margin < gates.edge_margin:
        return Guidance.MOVE_INSIDE
    if q.brightness < gates.min_brightness:
        return Guidance.TOO_DARK
    if q.brightness > gates.max_brightness or q.glare > gates.max_clipped:
        return Guidance.TOO_BRIGHT
    if q.glare > gates.max_glare:
        return Guidance.GLARE
    if q.sharpness < gates.min_sharpness:
        return Guidance.BLURRY
    return Guidance.OK
