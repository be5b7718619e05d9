"""The document pipeline: pure functions on BGR arrays, no state, no I/O.

One frame goes `analyse()` -> detection + quality + guidance; the tracker
(`devices.camera.tracker`) strings frames together; `warp()` and `encode_jpeg()` turn the
chosen frame into the attachment. The pieces live in small modules; this one is the
public face the CLI, the tracker and the UI import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.camera.detect import Detection, DetectParams, detect_document, order_corners, quad_iou
from devices.camera.preview import preview_cells
from devices.camera.quality import Gates, Guidance, Quality, judge, measure
from devices.camera.warp import encode_jpeg, output_size, warp

__all__ = [
    "Analysis", "Detection", "DetectParams", "Gates", "Guidance", "Quality", "analyse",
    "detect_document", "encode_jpeg", "judge", "measure", "order_corners", "output_size",
    "preview_cells", "quad_iou", "warp",
]


@dataclass(frozen=True)
class Analysis:
    """One frame's verdict: where the document is (input pixels), how good, what to say."""

    detection: Detection
    quality: Quality | None
    guidance: Guidance

    @property
    def corners(self) -> np.ndarray | None:
        return self.detection.corners

    def as_json(self) -> dict:
        """JSON-ready summary: corners as [[x, y] x4] or None, quality measures, guidance."""
        c = self.detection.corners
        return {
            "corners": None if c is None else [[round(float(x), 2), round(float(y), 2)] for x, y in c],
            "quality": {**(self.quality.as_dict() if self.quality else {}), "guidance": self.guidance.value},
        }


def analyse(image: np.ndarray, gates: Gates | None = None, params: DetectParams | None = None) -> Analysis:
    """Detect the document in `image`, measure it and pick the guidance for the first failing gate."""
    det = detect_document(image, params)
    if det.corners is None:
        return Analysis(det, None, Guidance.CUT_OFF if det.cut_off else Guidance.NO_DOCUMENT)
    q = measure(image, det.corners)
    return Analysis(det, q, judge(q, gates or Gates()))
