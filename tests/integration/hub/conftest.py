"""The hub as uvicorn on a free loopback port (real HTTP), shared helpers from the unit suite."""

from __future__ import annotations

import pytest

from hub.server import running
from tests.unit.hub.conftest import keys, make_app, clock, faults, hub_database, pg_cluster  # noqa: F401  (fixtures)


@pytest.fixture
def live_hub(make_app):
    # Concurrency tests upload from one kiosk in up to 40 threads: above the default upload
    # cap (which test_limits.py exercises).
    with running(make_app(max_uploads_per_kiosk=64)) as hub:
        yield hub
