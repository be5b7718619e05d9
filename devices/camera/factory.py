"""Build the configured camera and its capture tracker (called by the composition root).

`BACKENDS` is the table of camera backends: name -> builder, each importing its backend
when called (the OpenCV one needs cv2 and a device); the settings validator accepts
exactly these names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.camera.base import Camera, DocKind
from devices.camera.tracker import CaptureTracker

if TYPE_CHECKING:
    from devices.camera.settings import CameraSettings


def _simulated(settings: CameraSettings) -> Camera:
    from devices.camera.simulated import SimulatedCamera

    return SimulatedCamera(width=settings.width, height=settings.height, fps=settings.fps)


def _opencv(settings: CameraSettings) -> Camera:
    from devices.camera.opencv_camera import OpenCVCamera

    return OpenCVCamera(settings.source, width=settings.width, height=settings.height, fps=settings.fps,
                        loop=settings.loop, frame_timeout=settings.frame_timeout_s,
                        max_backoff=settings.reopen_max_backoff_s)


BACKENDS: dict[str, Callable[[CameraSettings], Camera]] = {
    "simulated": _simulated,  # generated frames of a document on a platen
    "opencv": _opencv,  # VideoCapture: device index, file, stream URL
}


def build_camera(settings: CameraSettings) -> Camera:
    """The backend `settings.backend` names, not yet started."""
    return BACKENDS[settings.backend](settings)


def build_tracker(settings: CameraSettings, kind: DocKind) -> CaptureTracker:
    """A fresh tracker for one capture step of a `kind` document."""
    return CaptureTracker(kind, steady_frames=settings.steady_frames, move_tolerance=settings.move_tolerance,
                          gates=settings.gates(), jpeg_max_bytes=settings.jpeg_max_bytes,
                          long_px=settings.output_long_px, fps=settings.fps)
