"""Catalog pull over real HTTP: ETag, staging, and every refusal keeps the current catalog."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from offline_queue.catalog_bundle import generate_signing_keypair, sign_bundle
from offline_queue.engine import CATALOG_REJECTED
from tests.integration.queue.conftest import make_engine
from tests.unit.catalog.samples import service

REGION = "440105"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def admin_keys() -> tuple[str, str]:
    return generate_signing_keypair()


def payload(version: int, *, region: str = REGION, effective: datetime | None = None, expires: datetime | None = None) -> dict:
    return {
        "region": region,
        "version": version,
        "issued_at": (NOW - timedelta(days=1)).isoformat(),
        "effective_from": (effective or NOW - timedelta(hours=1)).isoformat(),
        "expires_at": expires.isoformat() if expires else None,
        "services": [service(f"SVC-{version}")],
    }


@pytest.fixture
def engine(outbox, hub, admin_keys):
    return make_engine(outbox, hub.url, trusted_admin_keys={"gz-admin-2026": admin_keys[1]}, region=REGION)


def publish(hub, admin_keys, body: dict, key_id: str = "gz-admin-2026") -> None:
    hub.catalogs[REGION] = sign_bundle(body, admin_keys[0], key_id)


@pytest.mark.realstack
def test_pull_applies_then_not_modified(engine, hub, admin_keys, outbox):
    publish(hub, admin_keys, payload(3))
    assert engine.poll_catalog() == "applied:v3"
    assert outbox.catalog.active().payload["services"] == [service("SVC-3")]
    assert engine.poll_catalog() == "not_modified"


@pytest.mark.realstack
def test_future_bundle_is_staged_until_effective(engine, hub, admin_keys, outbox):
    publish(hub, admin_keys, payload(3))
    engine.poll_catalog()
    publish(hub, admin_keys, payload(4, effective=NOW + timedelta(hours=2)))
    assert engine.poll_catalog() == "staged:v4"
    assert outbox.catalog.active().version == 3
    assert outbox.catalog.active(NOW + timedelta(hours=3)).version == 4


def _tampered(bundle: dict) -> dict:
    raw = bytearray(base64.b64decode(bundle["payload"]))
    raw[raw.index(b"SVC-9")] = ord("X")
    return {**bundle, "payload": base64.b64encode(bytes(raw)).decode()}


REFUSALS = [
    pytest.param(lambda keys: _tampered(sign_bundle(payload(9), keys[0], "gz-admin-2026")), "bad_signature", id="tampered"),
    pytest.param(lambda keys: sign_bundle(payload(9, region="440106"), keys[0], "gz-admin-2026"), "wrong_region", id="wrong-region"),
    pytest.param(lambda keys: sign_bundle(payload(9, expires=NOW - timedelta(minutes=1)), keys[0], "gz-admin-2026"), "expired", id="expired"),
    pytest.param(lambda keys: sign_bundle(payload(2), keys[0], "gz-admin-2026"), "not_newer", id="rolled-back"),
    pytest.param(lambda keys: sign_bundle(payload(9), generate_signing_keypair()[0], "gz-admin-2026"), "bad_signature", id="other-key"),
    pytest.param(lambda keys: sign_bundle(payload(9), keys[0], "unknown-admin"), "unknown_key", id="untrusted-key-id"),
]


@pytest.mark.realstack
@pytest.mark.parametrize(("make_bundle", "reason"), REFUSALS)
def test_refused_bundle_keeps_current_catalog(make_bundle, reason, engine, hub, admin_keys, outbox):
    """Bad input: the bundle named in the test id, served by the platform."""
    publish(hub, admin_keys, payload(3))
    engine.poll_catalog()
    hub.catalogs[REGION] = make_bundle(admin_keys)
    assert engine.poll_catalog() == f"rejected:{reason}"
    assert outbox.catalog.active().version == 3
    assert outbox.catalog.staged() is None
    assert outbox.get_flag(CATALOG_REJECTED) == reason


@pytest.mark.realstack
def test_garbage_catalog_answer_is_an_error_not_a_catalog(engine, hub, outbox):
    """Bad input: the platform answers 200 with a JSON array instead of a bundle."""
    hub.catalogs[REGION] = ["not", "a", "bundle"]
    assert engine.poll_catalog() == "error:not_json"
    assert outbox.catalog.active() is None
