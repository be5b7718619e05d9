"""What a document camera is, as the station sees it.

A camera delivers BGR frames (numpy arrays, OpenCV's convention) into a bounded
latest-frame buffer fed by its own thread; readers take the newest frame and never block
longer than their timeout. The document pipeline (`devices.camera.pipeline`) is pure
functions on those arrays.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


class DocKind(enum.StrEnum):
    """Document kinds a service may ask for, with their real aspect ratio (long/short)."""

    A4 = "a4"
    ID1 = "id1"
    PASSPORT = "passport"
    BOOKLET = "booklet"

    @property
    def aspect(self) -> float:
        return {
            DocKind.A4: 297 / 210,
            DocKind.ID1: 85.6 / 53.98,
            DocKind.PASSPORT: 125 / 88,
            DocKind.BOOKLET: 143 / 105,
        }[self]


@dataclass(frozen=True, slots=True)
class Frame:
    """One camera frame: pixels (H x W x 3, uint8, BGR), sequence number, capture time."""

    image: np.ndarray
    seq: int
    timestamp: float


@dataclass(frozen=True, slots=True)
class CapturedPage:
    """A flat, cropped document image ready to attach: JPEG bytes and its size."""

    kind: DocKind
    jpeg: bytes
    width: int
    height: int


@runtime_checkable
class Camera(Protocol):
    """A camera backend."""

    name: str

    def start(self) -> None:
        """Open the source and start the grabber thread."""

    def stop(self) -> None:
        """Stop the grabber and release the source. Idempotent."""

    def latest(self, timeout: float = 1.0) -> Frame:
        """The newest frame; waits at most `timeout` s for a first or newer one.

        Raises `devices.errors.CameraLost` when no frame arrives in time.
        """

    def probe(self) -> str:
        """Cheap health check: detail string, raises DeviceError when down."""
