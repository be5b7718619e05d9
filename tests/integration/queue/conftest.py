"""Fixtures for the sync tests: keys, a real outbox file, the stand-in hub behind a fault proxy."""

from __future__ import annotations

import time

import pytest

from offline_queue.api import NewAttachment, NewSubmission
from offline_queue.client import ServiceClient
from offline_queue.engine import SyncEngine
from offline_queue.sealing import Sealer, generate_keypair
from offline_queue.settings import SyncSettings
from offline_queue.outbox import Outbox
from tests.integration.queue.http_doubles import FaultProxy, StandinHub

# Fictional people: the plaintext scan looks for exactly these strings.
PEOPLE = [
    ("测试甲", "440105199001011234"),
    ("测试乙", "44010519851231567X"),
    ("Testa Fictiva", "K12345678"),
]


@pytest.fixture(scope="session")
def platform_keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def outbox(tmp_path, platform_keys):
    box = Outbox.open(tmp_path / "queue.sqlite3", Sealer(platform_keys[1], "platform-test"), min_free_bytes=0, lease_seconds=30)
    yield box
    box.close()


@pytest.fixture
def hub():
    server = StandinHub().start()
    yield server
    server.stop()


@pytest.fixture
def proxy(hub):
    server = FaultProxy(upstream=hub.url).start()
    yield server
    server.stop()


def sync_settings(url: str, **overrides) -> SyncSettings:
    values = dict(
        base_url=url,
        kiosk_id="GZ-HZ-0001",
        token="station-token",
        connect_timeout_s=1.0,
        read_timeout_s=0.5,
        backoff_base_s=0.01,
        backoff_cap_s=0.05,
        retry_after_max_s=0.3,
        max_response_bytes=4096,
    )
    values.update(overrides)
    return SyncSettings(**values)


def make_engine(outbox: Outbox, url: str, **overrides) -> SyncEngine:
    settings = sync_settings(url, **overrides)
    return SyncEngine(outbox, ServiceClient(settings), settings)


def new_submission(n: int, attach_bytes: int = 3000) -> NewSubmission:
    name, id_number = PEOPLE[n % len(PEOPLE)]
    return NewSubmission(
        service_code="GZ-HJ-001",
        catalog_version=1,
        receipt_number=f"440105-{n:06d}",
        payload={"identity": {"name": name, "id_number": id_number}, "form": {"phone": "13800000000"}},
        attachments=(
            NewAttachment("id-front", (f"{name}{id_number}".encode() * (attach_bytes // 20 + 1))[:attach_bytes]),
            NewAttachment("household", bytes([n % 251]) * attach_bytes),
        ),
    )


def drain(engine: SyncEngine, timeout: float = 20.0) -> None:
    """Run the engine until nothing is pending or in flight (fails the test after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        engine.run_until_idle()
        counts = engine.outbox.counts()
        if counts.pending == counts.in_flight == 0:
            return
        assert time.monotonic() < deadline, f"not drained: {counts}"
        time.sleep(0.02)
