"""The installed catalog as the station uses it: offered only while valid and unexpired, and
reported as such in heartbeats (issue 12, findings 2 and 8). Real outbox in a temp dir."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.bootstrap.parts import ActiveCatalog
from offline_queue.catalog_bundle import VerifiedBundle, generate_signing_keypair, sign_bundle, verify_bundle
from offline_queue.outbox import Outbox
from offline_queue.sealing import Sealer, generate_keypair
from tests.integration.queue.conftest import make_engine

DEMO = json.loads((Path(__file__).resolve().parents[3] / "kiosk" / "demo" / "catalog.json").read_text(encoding="utf-8"))
T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def outbox(tmp_path):
    box = Outbox.open(tmp_path / "queue.sqlite3", Sealer(generate_keypair()[1], "k"), min_free_bytes=0)
    yield box
    box.close()


def verified(payload: dict) -> VerifiedBundle:
    private, public = generate_signing_keypair()
    return verify_bundle(sign_bundle(payload, private, "k"), trusted_keys={"k": public}, region=payload["region"],
                         current_version=0, now=T0)


def demo(version: int, *, effective: dt.datetime, expires: dt.datetime | None) -> dict:
    return {**DEMO, "version": version, "effective_from": effective.isoformat(),
            "expires_at": expires.isoformat() if expires else None}


def test_expired_catalog_is_kept_but_not_offered_and_heartbeats_say_so(outbox):
    """Bad input: the active catalog's expires_at passes; a successor is staged for years ahead."""
    outbox.catalog.install(verified(demo(7, effective=T0 - dt.timedelta(days=1), expires=T0 + dt.timedelta(hours=1))), T0)
    outbox.catalog.install(verified(demo(8, effective=dt.datetime(2099, 1, 1, tzinfo=dt.UTC), expires=None)), T0)
    assert outbox.catalog.offered(T0).version == 7
    later = T0 + dt.timedelta(hours=2)
    assert outbox.catalog.offered(later) is None
    assert outbox.catalog.active(later).version == 7  # still bars a rollback to v6
    assert outbox.catalog.report(later) == [
        {"region": "440105", "version": 7, "state": "expired"},
        {"region": "440105", "version": 8, "state": "staged"},
    ]
    body = make_engine(outbox, "http://127.0.0.1:9").heartbeat_body()  # built at the real time; nothing is sent
    assert body["catalogs"] == outbox.catalog.report(later)


def test_a_stored_catalog_that_fails_the_validator_offers_nothing_instead_of_crashing(outbox):
    """Bad input: a payload with `prefill: identity.shoe_size`, installed before stations
    validated (here written straight into the slot): it used to crash every session."""
    bad = copy.deepcopy(demo(7, effective=T0 - dt.timedelta(days=1), expires=None))
    bad["services"][0]["fields"][0]["prefill"] = "identity.shoe_size"
    header = verified(demo(7, effective=T0 - dt.timedelta(days=1), expires=None))
    outbox.catalog.install(VerifiedBundle(bad, 7, "440105", T0, header.effective_from, None, header.raw), T0)
    source = ActiveCatalog(outbox, clock=lambda: T0)
    assert source() is None
    assert source.status() == (False, "catalog v7 fails validation (1 errors): no services offered")


def test_status_lines_for_doctor(outbox):
    source = ActiveCatalog(outbox, clock=lambda: T0)
    assert source.status() == (True, "no catalog installed yet (the sync daemon pulls it): no services offered")
    outbox.catalog.install(verified(demo(3, effective=T0, expires=T0 + dt.timedelta(days=30))), T0)
    ok, line = source.status()
    assert ok and line == f"catalog v3 active until 2026-12-23 08:00 UTC, {len(DEMO['services'])} services"
