"""A frame and its detected outline as terminal half-block cells.

The UI draws each cell as "▀" with foreground = the upper pixel and background = the lower
one, so a `cols` x `rows` cell grid shows a `cols` x `2*rows` picture. Keeping the pixel
work here leaves the UI to draw only, and keeps textual out of `devices/`.
"""

from __future__ import annotations

import cv2
import numpy as np

RGB = tuple[int, int, int]
OUTLINE_BGR = (80, 220, 60)  # green: "the station sees your document"


def preview_cells(image: np.ndarray, corners: np.ndarray | None, cols: int, rows: int,
                  outline_bgr: tuple[int, int, int] = OUTLINE_BGR) -> list[list[tuple[RGB, RGB]]]:
    """`rows` lists of `cols` (upper_rgb, lower_rgb) pairs: the frame fitted to the grid
    (stretched: terminal cells are about twice as tall as wide, which the half blocks undo)
    with the document outline drawn over it when `corners` is given."""
    if cols <= 0 or rows <= 0:
        return []
    h, w = image.shape[:2]
    px_w, px_h = cols, rows * 2
    small = cv2.resize(image, (px_w, px_h), interpolation=cv2.INTER_AREA)
    if corners is not None:
        pts = np.asarray(corners, np.float32) * np.array([px_w / w, px_h / h], np.float32)
        cv2.polylines(small, [np.round(pts).astype(np.int32).reshape(-1, 1, 2)], True, outline_bgr, 1)
    rgb = small[..., ::-1]
    upper, lower = rgb[0::2], rgb[1::2]
    return [[(tuple(int(v) for v in upper[r, c]), tuple(int(v) for v in lower[r, c])) for c in range(cols)]
            for r in range(rows)]
