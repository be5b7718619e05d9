"""Flatten a detected document to its real aspect ratio, and encode it under a size bound."""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera.base import DocKind

MAX_LONG_PX = 2400  # no point in upsampling beyond what the camera saw


def _side_lengths(corners: np.ndarray) -> tuple[float, float]:
    c = np.asarray(corners, np.float32)
    top, bottom = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[3])
    left, right = np.linalg.norm(c[3] - c[0]), np.linalg.norm(c[2] - c[1])
    return float((top + bottom) / 2), float((left + right) / 2)


def output_size(corners: np.ndarray, kind: DocKind | None, long_px: int | None = None) -> tuple[int, int]:
    """(width, height) of the flat image: the kind's aspect ratio (or the quad's own when
    `kind` is None), landscape if the quad's top side is its long side, else portrait."""
    w, h = _side_lengths(corners)
    long_side = long_px or int(min(max(w, h), MAX_LONG_PX))
    aspect = kind.aspect if kind is not None else max(w, h) / max(min(w, h), 1.0)
    short_side = max(1, int(round(long_side / aspect)))
    return (long_side, short_side) if w >= h else (short_side, long_side)


def warp(image: np.ndarray, corners: np.ndarray, kind: DocKind, long_px: int | None = None) -> np.ndarray:
    """The document at `corners` (TL, TR, BR, BL) as a flat, cropped image with `kind`'s
    real aspect ratio. Its long side is the quad's own (at most MAX_LONG_PX) unless given."""
    w, h = output_size(corners, kind, long_px)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), dst)
    return cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def encode_jpeg(image: np.ndarray, max_bytes: int, min_quality: int = 40) -> bytes:
    """JPEG no larger than `max_bytes`: the best quality that fits (binary search down to
    `min_quality`), then smaller sizes (x0.8 steps) until it fits. ValueError if even a
    64-px thumbnail does not fit."""
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    img = image
    while True:
        lo, hi, best = min_quality, 95, None
        while lo <= hi:
            q = (lo + hi) // 2
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
            if ok and len(buf) <= max_bytes:
                best, lo = buf.tobytes(), q + 1
            else:
                hi = q - 1
        if best is not None:
            return best
        h, w = img.shape[:2]
        if max(h, w) <= 64:
            raise ValueError(f"cannot encode within {max_bytes} bytes")
        img = cv2.resize(img, (max(1, int(w * 0.8)), max(1, int(h * 0.8))), interpolation=cv2.INTER_AREA)
