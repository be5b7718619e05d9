"""Real video and image files of generated platen scenes, written with OpenCV (MJPG/AVI)."""

from __future__ import annotations

from pathlib import Path

import cv2

from devices.camera.base import DocKind
from devices.camera.simulated import SimulatedCamera

W, H, FPS = 640, 360, 15


def write_video(path: Path, frames) -> Path:
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (W, H))
    assert out.isOpened()
    for f in frames:
        out.write(f)
    out.release()
    return path


def slide_hold_remove(path: Path, slide: int = 12, hold: int = 14, empty: int = 6, lead: int = 3) -> Path:
    """`lead` frames of bare mat, a page slid in from the left (`slide` frames), held
    still (`hold` frames), then removed (`empty` frames of bare mat)."""
    cam = SimulatedCamera(W, H, FPS, mat="dark", seed=21)
    cam.start()
    frames = [cam.latest().image for _ in range(lead)]
    cam.slide_in(DocKind.A4, frames=slide)
    frames += [cam.latest().image for _ in range(slide + hold)]
    cam.remove()
    frames += [cam.latest().image for _ in range(empty)]
    return write_video(path, frames)


def still_page(path: Path) -> Path:
    cam = SimulatedCamera(W, H, FPS, mat="green", seed=22)
    cam.start()
    cam.place(DocKind.A4)
    cv2.imwrite(str(path), cam.latest().image)
    return path
