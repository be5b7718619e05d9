"""The station's real outbox and sync engine against the real hub over loopback HTTP: the
round trip the contract promises (sealed on the station, opened on the platform), the signed
catalog travelling the other way, heartbeats, and credentials refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from hub.server import running
from offline_queue.catalog_bundle import sign_bundle
from offline_queue.sealing import Sealer
from offline_queue.outbox import Outbox
from tests.integration.queue.conftest import drain, make_engine, new_submission
from tests.unit.hub.conftest import ADMIN, KIOSK, TOKENS

pytestmark = pytest.mark.realstack
REGION = "440105"
CATALOG = Path(__file__).resolve().parents[2] / "unit" / "catalog" / "data" / "catalog.json"


@pytest.fixture
def station(tmp_path, keys, make_app):
    outbox = Outbox.open(tmp_path / "queue.sqlite3", Sealer(keys.sealing_public, "hub-test"), min_free_bytes=0)
    with running(make_app()) as hub:
        engine = make_engine(
            outbox, hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], read_timeout_s=10.0, max_response_bytes=65536,
            trusted_admin_keys={keys.signing_key_id: keys.signing_public}, region=REGION,
        )
        yield outbox, engine, hub
    outbox.close()


def test_every_enqueued_submission_arrives_once_opened_with_intact_attachments(station):
    outbox, engine, hub = station
    subs = [new_submission(n) for n in range(6)]
    enqueued = [outbox.enqueue(s) for s in subs]
    drain(engine)
    stored = requests.get(f"{hub.url}/v1/admin/submissions", headers=ADMIN, timeout=10).json()["submissions"]
    assert sorted(s["submission_id"] for s in stored) == sorted(e.submission_id for e in enqueued)
    by_id = {s["submission_id"]: s for s in stored}
    app_store = hub.app.state.store
    for sub, done in zip(subs, enqueued):
        row = by_id[done.submission_id]
        assert row["receipt_number"] == sub.receipt_number
        checks = row["checks"]
        assert checks["payload_opened"] and checks["payload_fields"] == ["form", "identity"]
        assert checks["attachments_opened"] == len(sub.attachments)
        for ref in row["attachments"]:
            blob = app_store.files.read(KIOSK, done.submission_id, ref["sha256"])
            assert hashlib.sha256(blob).hexdigest() == ref["sha256"] and len(blob) == ref["size"]
        assert outbox.status(done.submission_id).reference == row["reference"]
    # Nothing left to do: a second drain delivers nothing again.
    assert engine.run_until_idle().line(0, 0.0)
    assert len(requests.get(f"{hub.url}/v1/admin/submissions", headers=ADMIN, timeout=10).json()["submissions"]) == 6


def publish(hub, keys) -> dict:
    now = datetime.now(UTC)
    payload = {
        "region": REGION, "version": 5, "issued_at": (now - timedelta(days=1)).isoformat(),
        "effective_from": (now - timedelta(hours=1)).isoformat(), "expires_at": None,
        "services": json.loads(CATALOG.read_text(encoding="utf-8"))["services"],
    }
    bundle = sign_bundle(payload, keys.signing_private, keys.signing_key_id)
    assert requests.put(f"{hub.url}/v1/catalog/{REGION}", json=bundle, headers=ADMIN, timeout=10).status_code == 201
    return payload


def test_catalog_published_on_the_hub_is_applied_by_the_station(station, keys):
    outbox, engine, hub = station
    assert engine.poll_catalog() == "none_published"
    payload = publish(hub, keys)
    assert engine.poll_catalog() == "applied:v5"
    assert outbox.catalog.active().payload == payload


def test_second_poll_is_not_modified(station, keys):
    outbox, engine, hub = station
    publish(hub, keys)
    assert engine.poll_catalog() == "applied:v5"
    assert engine.poll_catalog() == "not_modified"


def test_heartbeat_reaches_the_hub(station):
    outbox, engine, hub = station
    assert engine.heartbeat() == "ok"
    (kiosk,) = requests.get(f"{hub.url}/v1/admin/kiosks", headers=ADMIN, timeout=10).json()["kiosks"]
    assert kiosk["kiosk_id"] == KIOSK and kiosk["last"]["catalog_region"] == REGION


def test_wrong_token_pauses_delivery_and_keeps_the_queue(tmp_path, keys, make_app):
    """Bad input: a station configured with a token the hub does not know."""
    outbox = Outbox.open(tmp_path / "queue.sqlite3", Sealer(keys.sealing_public, "hub-test"), min_free_bytes=0)
    try:
        with running(make_app()) as hub:
            engine = make_engine(outbox, hub.url, kiosk_id=KIOSK, token="not-a-known-token-123", read_timeout_s=10.0)
            outbox.enqueue(new_submission(0))
            engine.run_until_idle()
            assert engine.auth_refused
            assert outbox.counts().pending == 1
            assert requests.get(f"{hub.url}/v1/admin/submissions", headers=ADMIN, timeout=10).json()["submissions"] == []
    finally:
        outbox.close()


def test_429_retry_after_from_the_hub_throttles_the_station(tmp_path, keys, make_app):
    """Bad input: the hub answers 429 with Retry-After before storing anything."""
    from fastapi.responses import JSONResponse

    from offline_queue.engine import Outcome

    answers = [JSONResponse({"error": "busy"}, status_code=429, headers={"Retry-After": "1"})]

    def hook(stage, method, path):
        return answers.pop() if stage == "before" and answers else None

    outbox = Outbox.open(tmp_path / "queue.sqlite3", Sealer(keys.sealing_public, "hub-test"), min_free_bytes=0)
    try:
        with running(make_app(fault_hook=hook)) as hub:
            engine = make_engine(outbox, hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], read_timeout_s=10.0)
            outbox.enqueue(new_submission(0))
            assert engine.deliver_one() is Outcome.THROTTLED
    finally:
        outbox.close()
