"""The `[camera]` section of the station's config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.backend_table import known_backend
from devices.camera.quality import Gates


class CameraSettings(BaseModel):
    """Which camera, how to read it, and the capture pipeline's thresholds."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field("simulated", description="simulated (generated frames) or opencv (VideoCapture)")
    source: int | str = Field(0, description="opencv: device index, video/image file path, or stream URL (rtsp://, http://, GStreamer pipeline)")
    width: int = Field(1920, ge=160, le=7680, description="requested frame width (devices may give another)")
    height: int = Field(1080, ge=120, le=4320, description="requested frame height")
    fps: float = Field(15.0, gt=0, le=120, description="requested frame rate; files and images are paced at this rate")
    loop: bool = Field(False, description="files: start again at the end instead of reporting the stream as ended")
    frame_timeout_s: float = Field(2.0, gt=0, le=60, description="no frame for this long = camera lost")
    reopen_max_backoff_s: float = Field(5.0, gt=0, le=300, description="longest wait between reopen attempts after a loss")
    steady_frames: int = Field(8, ge=1, le=120, description="good, still frames in a row before auto-capture")
    move_tolerance: float = Field(0.004, gt=0, le=0.1, description="corner movement between frames (share of the diagonal) still counted as still")
    min_sharpness: float = Field(Gates.min_sharpness, ge=0, description="variance of the Laplacian of the page flattened to 512 px")
    max_glare: float = Field(Gates.max_glare, ge=0, le=1, description="largest share of clipped pixels on the page")
    min_brightness: float = Field(Gates.min_brightness, ge=0, le=255, description="darkest acceptable mean grey level of the page")
    max_brightness: float = Field(Gates.max_brightness, ge=0, le=255, description="brightest acceptable mean grey level of the page")
    edge_margin: float = Field(Gates.edge_margin, ge=0, le=0.3, description="page corners at least this share of the frame inside its edge")
    jpeg_max_bytes: int = Field(600_000, ge=10_000, description="upper bound of one captured page's JPEG")
    output_long_px: int | None = Field(None, ge=256, le=8000, description="long side of the captured page in pixels (default: as seen)")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from devices.camera.factory import BACKENDS  # the table imports this module for its types

        return known_backend("camera", value, BACKENDS)

    def gates(self) -> Gates:
        return Gates(min_sharpness=self.min_sharpness, max_glare=self.max_glare, min_brightness=self.min_brightness,
                     max_brightness=self.max_brightness, edge_margin=self.edge_margin)
