"""The `[face_camera]` section of the station's config: the camera facing the citizen and
the face check's thresholds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.backend_table import known_backend

#: Largest distance between two embeddings still counted as the same person. dlib documents
#: 0.6 for its ResNet model on LFW; the station is stricter (a wrong accept lets someone act
#: in another's name, a wrong refusal sends the citizen to the counter). Calibrate locally:
#: docs/face.md, "Calibrating the threshold".
DEFAULT_THRESHOLD = 0.5


class FaceCameraSettings(BaseModel):
    """Which face camera, how to read it, and how strict the face check is."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field("simulated", description="simulated (a packaged portrait, scripted head turns) or opencv")
    source: int | str = Field(0, description="opencv: VideoCapture source (device index, file, stream URL)")
    width: int = Field(640, ge=160, le=3840, description="requested frame width")
    height: int = Field(480, ge=120, le=2160, description="requested frame height")
    fps: float = Field(10.0, gt=0, le=60, description="requested frame rate")
    frame_timeout_s: float = Field(2.0, gt=0, le=60, description="seconds without a frame before the camera counts as lost")
    image: str = Field("", description="simulated: the portrait to show (default: the packaged sample)")
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0, lt=1.5, description="largest embedding distance accepted as the same person")
    detect_width: int = Field(320, ge=160, le=1920, description="frames are shrunk to this width to look for the face (speed)")
    turns: int = Field(2, ge=1, le=4, description="head turns the liveness challenge asks for, in a random order")
    turn_yaw: float = Field(0.18, gt=0.05, lt=1, description="nose offset from the eyes' midpoint, in eye distances, that counts as a turn")
    timeout_s: float = Field(25.0, gt=1, le=120, description="longest face check before it gives up")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from devices.face.factory import BACKENDS  # the table imports this module for its types

        return known_backend("face camera", value, BACKENDS)
