"""Heartbeats with limits, and the audit heads the hub keeps (SERVICE_API 1.1; issue 12
findings 5 and 6: a heartbeat nested 300 levels deep was accepted and then broke the admins'
fleet listing; nothing anchored a station's audit chain outside the station)."""

from __future__ import annotations

import json

import pytest

from tests.unit.hub.conftest import ADMIN, KIOSK, OTHER_KIOSK, kiosk_headers

H = kiosk_headers()
HEAD = {"seq": 12, "hash": "a" * 64}


def beat(client, body, kiosk=KIOSK):
    return client.post(f"/v1/kiosks/{kiosk}/heartbeat", json=body, headers=kiosk_headers(kiosk))


def test_deeply_nested_heartbeat_is_refused_and_the_fleet_listing_keeps_working(client):
    """Bad input: a heartbeat nested 300 levels deep."""
    assert beat(client, {"queue_depth": 1}).status_code == 204
    nested: object = "deep"
    for _ in range(300):
        nested = {"x": nested}
    r = client.post(f"/v1/kiosks/{KIOSK}/heartbeat", content=json.dumps({"extra": nested}), headers=H)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    listing = client.get("/v1/admin/kiosks", headers=ADMIN)
    assert listing.status_code == 200 and listing.json()["kiosks"][0]["last"] == {"queue_depth": 1}


def test_oversized_heartbeat_is_413(client):
    """Bad input: a heartbeat of 100 KB."""
    assert beat(client, {"software_version": "x" * 100_000}).status_code == 413


@pytest.mark.parametrize(
    "body",
    [{"audit_head": {"seq": -1, "hash": "a" * 64}}, {"audit_head": {"seq": 1, "hash": "zz"}},
     {"catalogs": [{"region": "440105", "version": 1, "state": "lost"}]}, {"queue_depth": "many"}],
    ids=["negative-seq", "bad-hash", "bad-catalog-state", "mistyped-field"],
)
def test_malformed_heartbeat_fields_are_422(client, body):
    """Bad input: contract fields of the wrong shape."""
    r = beat(client, body)
    assert r.status_code == 422 and r.json()["errors"]


def test_audit_heads_are_kept_and_served_to_that_kiosk_and_admins(client):
    later = {"seq": 20, "hash": "b" * 64}
    catalogs = [{"region": "440105", "version": 3, "state": "active"}, {"region": "440300", "version": 1, "state": "expired"}]
    for head in (HEAD, HEAD, later):  # the same head twice is kept once
        assert beat(client, {"audit_head": head, "catalogs": catalogs}).status_code == 204
    mine = client.get(f"/v1/kiosks/{KIOSK}/audit-heads", headers=H)
    assert mine.status_code == 200
    assert [(h["seq"], h["hash"]) for h in mine.json()["heads"]] == [(12, "a" * 64), (20, "b" * 64)]
    assert all(h["received_at"] for h in mine.json()["heads"])
    assert client.get(f"/v1/kiosks/{KIOSK}/audit-heads", headers=ADMIN).json() == mine.json()
    assert client.get("/v1/admin/kiosks", headers=ADMIN).json()["kiosks"][0]["last"]["catalogs"] == catalogs


def test_a_kiosk_cannot_read_or_write_another_kiosks_heads(client):
    """Bad input: kiosk A reading B's heads, and posting a head under B's path."""
    beat(client, {"audit_head": HEAD})
    other = kiosk_headers(OTHER_KIOSK)
    assert client.get(f"/v1/kiosks/{KIOSK}/audit-heads", headers=other).status_code == 403
    assert client.post(f"/v1/kiosks/{KIOSK}/heartbeat", json={"audit_head": {"seq": 1, "hash": "c" * 64}},
                       headers=other).status_code == 403
    assert len(client.get(f"/v1/kiosks/{KIOSK}/audit-heads", headers=H).json()["heads"]) == 1


def test_a_rewritten_head_is_kept_beside_the_first(client):
    """Bad input: the same seq reported later with another hash (the chain was rewritten)."""
    beat(client, {"audit_head": HEAD})
    beat(client, {"audit_head": {"seq": 12, "hash": "f" * 64}})
    heads = client.get(f"/v1/kiosks/{KIOSK}/audit-heads", headers=H).json()["heads"]
    assert [h["hash"] for h in heads] == ["a" * 64, "f" * 64]
