"""Build the configured face camera and the face engine (called by the composition root).

`BACKENDS` is the table of face-camera backends: name -> builder, each importing its
backend when called; the settings validator accepts exactly these names. The real one
is the document camera's OpenCV backend on another source: the same VideoCapture, the
same latest-frame buffer and loss handling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.face.base import FaceCamera

if TYPE_CHECKING:
    from devices.face.engine import FaceEngine
    from devices.face.settings import FaceCameraSettings


def _simulated(settings: FaceCameraSettings) -> FaceCamera:
    from devices.face.simulated import SimulatedFaceCamera, load_portrait

    return SimulatedFaceCamera(load_portrait(settings.image or None), width=settings.width,
                               height=settings.height, fps=settings.fps)


def _opencv(settings: FaceCameraSettings) -> FaceCamera:
    from devices.camera.opencv_camera import OpenCVCamera

    return OpenCVCamera(settings.source, width=settings.width, height=settings.height, fps=settings.fps,
                        frame_timeout=settings.frame_timeout_s)


BACKENDS: dict[str, Callable[[FaceCameraSettings], FaceCamera]] = {
    "simulated": _simulated,  # a packaged portrait on a plain background, scripted head turns
    "opencv": _opencv,  # VideoCapture: device index, file, stream URL
}


def build_face_camera(settings: FaceCameraSettings) -> FaceCamera:
    """The backend `settings.backend` names, not yet started."""
    return BACKENDS[settings.backend](settings)


def build_engine(settings: FaceCameraSettings) -> FaceEngine:
    """The face engine with `[face_camera]`'s detection width; FaceCheckUnavailable says why not."""
    from devices.face.engine import FaceEngine

    return FaceEngine(detect_width=settings.detect_width)
