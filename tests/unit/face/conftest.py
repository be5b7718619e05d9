"""One face engine for the module's tests (loading dlib's models takes about a second)."""

from __future__ import annotations

import pytest

from devices.face.engine import FaceEngine


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine()
