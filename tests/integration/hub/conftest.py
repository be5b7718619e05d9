"""The hub as uvicorn on a free loopback port (real HTTP), shared helpers from the unit suite."""

from __future__ import annotations

import pytest

from hub.server import running
from tests.unit.hub.conftest import keys, make_app, clock, faults  # noqa: F401  (fixtures)


@pytest.fixture
def live_hub(make_app):
    with running(make_app()) as hub:
        yield hub
