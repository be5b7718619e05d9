"""The sync engine against the REFERENCE hub (FastAPI + SQLite under uvicorn, real HTTP on
loopback), through the fault proxy: every scenario of the issue, and afterwards every
submission is stored by the hub exactly once, its body is the station's, and every
attachment the hub holds opens to the bytes the station enqueued."""

from __future__ import annotations

import json

import pytest
import requests

from hub.app import create_app
from hub.server import running
from offline_queue.api import RecordState
from offline_queue.sealing import Opener
from tests.integration.queue import http_doubles as hd
from tests.integration.queue.conftest import drain, make_engine, new_submission
from tests.integration.queue.test_engine_faults import SCENARIOS

pytestmark = pytest.mark.realstack
KIOSK, TOKEN = "GZ-HZ-0001", "station-token"


@pytest.fixture
def real_hub(tmp_path, platform_keys):
    app = create_app(
        tmp_path / "hub.sqlite3",
        private_key_b64=platform_keys[0],
        admin_token="admin-token-0123456789",
        kiosk_tokens={KIOSK: TOKEN},
        sealing_key_id="platform-test",
    )
    with running(app) as hub:
        yield hub


@pytest.fixture
def real_proxy(real_hub):
    server = hd.FaultProxy(upstream=real_hub.url).start()
    yield server
    server.stop()


def assert_exactly_once_at_hub(outbox, hub, enqueued, platform_keys) -> None:
    store = hub.app.state.store
    stored = store.submissions()
    assert sorted(s.submission_id for s in stored) == sorted(e.submission_id for e, _ in enqueued)
    by_id = {s.submission_id: s for s in stored}
    opener = Opener(platform_keys[0])
    for done, sub in enqueued:
        row = by_id[done.submission_id]
        status = outbox.status(done.submission_id)
        assert status.state is RecordState.DELIVERED and status.reference == row.reference
        assert row.request["receipt_number"] == sub.receipt_number
        for ref, original in zip(row.request["attachments"], sub.attachments, strict=True):
            assert opener.open(store.files.read(row.kiosk_id, done.submission_id, ref["sha256"])) == original.data


@pytest.mark.parametrize("fault", SCENARIOS)
def test_fault_scenario_against_the_reference_hub(fault, outbox, real_hub, real_proxy, platform_keys):
    """Bad input: the fault named in the test id, between the station and the reference hub."""
    enqueued = [(outbox.enqueue(s), s) for s in (new_submission(i) for i in range(3))]
    real_proxy.add(fault)
    drain(make_engine(outbox, real_proxy.url, read_timeout_s=0.8))
    assert fault.times == 0, "the fault was never exercised"
    assert_exactly_once_at_hub(outbox, real_hub, enqueued, platform_keys)


def test_conflict_at_the_reference_hub_is_quarantined_not_overwritten(outbox, real_hub, platform_keys):
    """Bad input: the id was already delivered to the hub with a different body (409)."""
    enqueued = [(outbox.enqueue(s), s) for s in (new_submission(i) for i in range(3))]
    first = enqueued[0][0].submission_id
    record = outbox.claim("setup")
    body = json.loads(record.body(KIOSK))
    outbox.release(record)
    # deliver the same id with other content first, straight to the hub
    other = {**body, "receipt_number": "440105-999999"}
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {TOKEN}", "Kiosk-Id": KIOSK})
    for ref in body["attachments"]:
        data = outbox.attachment_data(record, ref["sha256"])
        assert session.put(f"{real_hub.url}/v1/submissions/{first}/attachments/{ref['sha256']}", data=data, timeout=10).ok
    assert session.put(f"{real_hub.url}/v1/submissions/{first}", json=other, timeout=10).status_code == 201
    engine = make_engine(outbox, real_hub.url, read_timeout_s=5)
    summary = engine.run_until_idle()
    assert (summary.delivered, summary.quarantined) == (2, 1)
    assert outbox.counts().quarantine_reasons == {"conflict": 1}
    stored = {s.submission_id: s for s in real_hub.app.state.store.submissions()}
    assert stored[first].request["receipt_number"] == "440105-999999"
