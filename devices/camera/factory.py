"""Build the configured camera and its capture tracker (called by the composition root)."""

from __future__ import annotations

from devices.camera.base import Camera, DocKind
from devices.camera.opencv_camera import OpenCVCamera
from devices.camera.settings import CameraSettings
from devices.camera.simulated import SimulatedCamera
from devices.camera.tracker import CaptureTracker


def build_camera(settings: CameraSettings) -> Camera:
    """The backend `settings.backend` names, not yet started."""
    if settings.backend == "simulated":
        return SimulatedCamera(width=settings.width, height=settings.height, fps=settings.fps)
    return OpenCVCamera(settings.source, width=settings.width, height=settings.height, fps=settings.fps,
                        loop=settings.loop, frame_timeout=settings.frame_timeout_s,
                        max_backoff=settings.reopen_max_backoff_s)


def build_tracker(settings: CameraSettings, kind: DocKind) -> CaptureTracker:
    """A fresh tracker for one capture step of a `kind` document."""
    return CaptureTracker(kind, steady_frames=settings.steady_frames, move_tolerance=settings.move_tolerance,
                          gates=settings.gates(), jpeg_max_bytes=settings.jpeg_max_bytes,
                          long_px=settings.output_long_px, fps=settings.fps)
