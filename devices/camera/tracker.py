"""Follow the document across frames and capture it once it has been still and good.

A citizen slides a page in, adjusts it, lets go. Capturing the first good-looking frame
would catch a moving, smeared page; so the tracker waits until the page's corners have
stayed put (within `move_tolerance` of the frame diagonal) and every gate has passed for
`steady_frames` frames in a row, then keeps the sharpest of those frames. While it waits it
reports a countdown the UI can show. After a capture it stays quiet until the page is taken
away (or `reset()` is called for a retake), so one placement gives one capture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.camera.base import CapturedPage, DocKind, Frame
from devices.camera.pipeline import Analysis, DetectParams, Gates, Guidance, analyse, encode_jpeg, warp

REARM_EMPTY_FRAMES = 3  # frames without a document before the next page may be captured
ASPECT_TOLERANCE = 0.15  # a quad this far off the kind's aspect (log ratio) is not that document
NEAR_EDGE = 0.05  # share of the frame's short side: a misshapen quad this close is a cut-off piece


def fits_kind(corners: np.ndarray, kind: DocKind) -> bool:
    """Whether the quad has the kind's aspect ratio, within what tilt and perspective do.

    Why: a piece of a page cut off by the frame, or two documents taken for one, has the
    wrong shape; capturing it would store a distorted, incomplete page. (A booklet open at
    a spread, 1.47 against a page's 1.36, still fits.)"""
    top, bottom = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])
    left, right = np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    w, h = (top + bottom) / 2, (left + right) / 2
    return abs(np.log(max(w, h) / max(min(w, h), 1e-6) / kind.aspect)) <= ASPECT_TOLERANCE


@dataclass(frozen=True)
class TrackUpdate:
    """What the UI shows for one frame.

    `guidance`: the first problem to fix (HOLD_STILL when the page moves), OK while
    counting down. `countdown`: seconds left before auto-capture, None when not counting.
    `captured`: set on exactly the update that captured the page. `done`: a page has been
    captured and the document is still lying there."""

    seq: int
    analysis: Analysis
    guidance: Guidance
    steady: int
    countdown: float | None
    captured: CapturedPage | None = None
    done: bool = False

    @property
    def corners(self) -> np.ndarray | None:
        return self.analysis.corners


class CaptureTracker:
    """Stateful per capture step; pure otherwise (feed it frames, read its updates)."""

    def __init__(self, kind: DocKind, *, steady_frames: int = 8, move_tolerance: float = 0.004,
                 gates: Gates | None = None, params: DetectParams | None = None,
                 jpeg_max_bytes: int = 600_000, long_px: int | None = None, fps: float = 15.0) -> None:
        if steady_frames < 1:
            raise ValueError("steady_frames must be >= 1")
        self.kind = kind
        self.steady_frames = steady_frames
        self.move_tolerance = move_tolerance
        self.gates = gates or Gates()
        self.params = params
        self.jpeg_max_bytes = jpeg_max_bytes
        self.long_px = long_px
        self._interval = 1.0 / fps
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next steady page is captured (retake, next page)."""
        self._prev: np.ndarray | None = None
        self._prev_t: float | None = None
        self._window: list[tuple[float, Frame, np.ndarray]] = []
        self._done = False
        self._empty = 0

    def _motion(self, corners: np.ndarray, shape: tuple[int, ...]) -> float:
        if self._prev is None:
            return float("inf")
        diag = float(np.hypot(shape[0], shape[1]))
        return float(np.max(np.linalg.norm(corners - self._prev, axis=1))) / diag

    def update(self, frame: Frame) -> TrackUpdate:
        """Analyse `frame` and advance the state; may capture."""
        if self._prev_t is not None and frame.timestamp > self._prev_t:  # frame interval, smoothed
            self._interval = 0.8 * self._interval + 0.2 * (frame.timestamp - self._prev_t)
        self._prev_t = frame.timestamp
        a = analyse(frame.image, self.gates, self.params)
        corners = a.corners
        if corners is None:
            self._prev = None
            self._window.clear()
            self._empty += 1
            if self._done and self._empty >= REARM_EMPTY_FRAMES:
                self._done = False
            return TrackUpdate(frame.seq, a, a.guidance, 0, None, done=self._done)
        self._empty = 0
        moving = self._motion(corners, frame.image.shape) > self.move_tolerance
        self._prev = corners
        if self._done:
            return TrackUpdate(frame.seq, a, Guidance.OK, 0, None, done=True)
        guidance = a.guidance
        if not fits_kind(corners, self.kind):
            assert a.quality is not None
            guidance = Guidance.CUT_OFF if a.quality.margin < NEAR_EDGE else Guidance.NO_DOCUMENT
        if moving and guidance in (Guidance.OK, Guidance.BLURRY, Guidance.GLARE, Guidance.TOO_DARK, Guidance.TOO_BRIGHT):
            guidance = Guidance.HOLD_STILL
        if guidance != Guidance.OK:
            self._window.clear()
            return TrackUpdate(frame.seq, a, guidance, 0, None)
        assert a.quality is not None
        self._window.append((a.quality.sharpness, frame, corners))
        steady = len(self._window)
        if steady < self.steady_frames:
            left = (self.steady_frames - steady) * self._interval
            return TrackUpdate(frame.seq, a, Guidance.OK, steady, left)
        _, best, best_corners = max(self._window, key=lambda t: t[0])
        page = self.capture(best.image, best_corners)
        self._window.clear()
        self._done = True
        return TrackUpdate(frame.seq, a, Guidance.OK, steady, 0.0, captured=page, done=True)

    def capture(self, image: np.ndarray, corners: np.ndarray) -> CapturedPage:
        """Flatten and encode the page at `corners` (also used for a manual capture)."""
        flat = warp(image, corners, self.kind, self.long_px)
        jpeg = encode_jpeg(flat, self.jpeg_max_bytes)
        h, w = flat.shape[:2]
        return CapturedPage(self.kind, jpeg, w, h)
