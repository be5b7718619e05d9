"""Auth (401/403), catalog publish/pull with ETag, heartbeats."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from offline_queue.catalog_bundle import generate_signing_keypair, sign_bundle
from tests.unit.hub.conftest import ADMIN, ADMIN_TOKEN, KIOSK, OTHER_KIOSK, TOKENS, build_submission, kiosk_headers
from tests.unit.catalog.samples import service

H = kiosk_headers()
REGION = "440105"


def catalog(version=1, region=REGION, expires_at=None, effective_from="2026-11-23T00:00:00Z"):
    return {
        "region": region,
        "version": version,
        "issued_at": "2026-11-22T08:00:00Z",
        "effective_from": effective_from,
        "expires_at": expires_at,
        "services": [service()],
    }


def signed(keys, **kw):
    return sign_bundle(catalog(**kw), keys.signing_private, keys.signing_key_id)


# -- auth -----------------------------------------------------------------------------------


def call(client, method, url, headers):
    return client.request(method.upper(), url, headers=headers, content=b"{}")


KIOSK_ROUTES = [
    ("put", "/v1/submissions/4b0c2a4e-6f7b-4d7e-9a51-2d5c7f0e9a11"),
    ("put", "/v1/submissions/4b0c2a4e-6f7b-4d7e-9a51-2d5c7f0e9a11/attachments/" + "0" * 64),
    ("post", f"/v1/kiosks/{KIOSK}/heartbeat"),
    ("get", "/v1/submissions/4b0c2a4e-6f7b-4d7e-9a51-2d5c7f0e9a11"),
    ("get", f"/v1/catalog?region={REGION}"),
]


@pytest.mark.parametrize(("method", "url"), KIOSK_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Kiosk-Id": KIOSK},
        {"Authorization": "Bearer wrong-token", "Kiosk-Id": KIOSK},
        {"Authorization": f"Basic {TOKENS[KIOSK]}", "Kiosk-Id": KIOSK},
        {"Authorization": "Bearer ", "Kiosk-Id": KIOSK},
        {"Authorization": "Bearer t\u00f6k\u00e9n".encode("latin-1"), "Kiosk-Id": KIOSK},
    ],
    ids=["none", "no-token", "wrong-token", "not-bearer", "empty-bearer", "non-ascii"],
)
def test_missing_or_unknown_credentials_are_401(client, method, url, headers):
    """Bad input: no Authorization, an unknown token, a non-Bearer scheme, an empty token."""
    r = call(client, method, url, headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "url"), KIOSK_ROUTES[:3])
@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {TOKENS[KIOSK]}"},
        {"Authorization": f"Bearer {TOKENS[KIOSK]}", "Kiosk-Id": OTHER_KIOSK},
        {"Authorization": f"Bearer {ADMIN_TOKEN}", "Kiosk-Id": KIOSK},
    ],
    ids=["no-kiosk-id", "other-kiosk-id", "admin-token"],
)
def test_known_credentials_in_the_wrong_place_are_403(client, method, url, headers):
    """Bad input: a valid token without Kiosk-Id, with another kiosk's id, the admin token on kiosk routes."""
    r = call(client, method, url, headers)
    assert r.status_code == 403


def test_heartbeat_for_another_kiosk_path_is_403(client):
    """Bad input: kiosk A posting a heartbeat under kiosk B's path."""
    r = client.post(f"/v1/kiosks/{OTHER_KIOSK}/heartbeat", json={}, headers=H)
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/v1/admin/submissions"),
        ("get", "/v1/admin/kiosks"),
        ("put", f"/v1/catalog/{REGION}"),
        ("post", "/v1/admin/submissions/4b0c2a4e-6f7b-4d7e-9a51-2d5c7f0e9a11/status"),
    ],
)
def test_admin_routes_refuse_kiosk_tokens_403_and_strangers_401(client, method, url):
    """Bad input: a kiosk token and an unknown token on admin routes."""
    assert call(client, method, url, H).status_code == 403
    assert call(client, method, url, {"Authorization": "Bearer nope"}).status_code == 401


def test_empty_tokens_are_a_configuration_error(make_app):
    """Bad input: an empty admin token, an empty kiosk token."""
    with pytest.raises(ValueError):
        make_app(admin_token="")
    with pytest.raises(ValueError):
        make_app(kiosk_tokens={KIOSK: ""})


# -- catalog --------------------------------------------------------------------------------


def test_no_catalog_yet_is_404(client):
    assert client.get(f"/v1/catalog?region={REGION}", headers=H).status_code == 404


def test_publish_then_pull_with_etag_and_304(client, keys):
    bundle = signed(keys, version=3)
    r = client.put(f"/v1/catalog/{REGION}", json=bundle, headers=ADMIN)
    assert r.status_code == 201 and r.json()["version"] == 3
    pulled = client.get(f"/v1/catalog?region={REGION}", headers=H)
    assert pulled.status_code == 200 and pulled.json() == bundle
    etag = pulled.headers["etag"]
    assert etag == r.json()["etag"]
    again = client.get(f"/v1/catalog?region={REGION}", headers={**H, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = client.get(f"/v1/catalog?region={REGION}", headers={**H, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get(f"/v1/catalog?region={REGION}", headers={**H, "If-None-Match": '"stale"'})
    assert stale.status_code == 200
    # A newer version changes the ETag; the old one no longer matches.
    client.put(f"/v1/catalog/{REGION}", json=signed(keys, version=4), headers=ADMIN)
    newer = client.get(f"/v1/catalog?region={REGION}", headers={**H, "If-None-Match": etag})
    assert newer.status_code == 200 and newer.headers["etag"] != etag


def test_catalogs_are_per_region(client, keys):
    client.put(f"/v1/catalog/{REGION}", json=signed(keys, version=1), headers=ADMIN)
    assert client.get("/v1/catalog?region=440300", headers=H).status_code == 404


@pytest.mark.parametrize("version", [2, 1])
def test_publish_not_higher_is_409(client, keys, version):
    """Bad input: re-publishing the current version (replay) and an older one (rollback)."""
    client.put(f"/v1/catalog/{REGION}", json=signed(keys, version=2), headers=ADMIN)
    r = client.put(f"/v1/catalog/{REGION}", json=signed(keys, version=version), headers=ADMIN)
    assert r.status_code == 409 and r.json()["current_version"] == 2


def test_publish_refusals_are_400_with_reason(client, keys):
    """Bad input: tampered signature, unknown key, wrong region, expired, not JSON, not a bundle."""
    tampered = signed(keys, version=5)
    tampered["signature"] = signed(keys, version=6)["signature"]
    rogue_private, _ = generate_signing_keypair()
    cases = {
        "bad_signature": tampered,
        "unknown_key": sign_bundle(catalog(version=5), rogue_private, "rogue"),
        "wrong_region": signed(keys, version=5, region="440300"),
        "expired": signed(keys, version=5, effective_from="2026-10-01T00:00:00Z", expires_at="2026-11-01T00:00:00Z"),
        "malformed": {"payload": 1},
    }
    for reason, bundle in cases.items():
        r = client.put(f"/v1/catalog/{REGION}", json=bundle, headers=ADMIN)
        assert (r.status_code, r.json()["error"]) == (400, reason)
    r = client.put(f"/v1/catalog/{REGION}", content=b"not json", headers=ADMIN)
    assert r.status_code == 400
    assert client.get(f"/v1/catalog?region={REGION}", headers=H).status_code == 404


def test_admin_may_pull_the_catalog(client, keys):
    client.put(f"/v1/catalog/{REGION}", json=signed(keys, version=1), headers=ADMIN)
    assert client.get(f"/v1/catalog?region={REGION}", headers=ADMIN).status_code == 200


# -- heartbeat ------------------------------------------------------------------------------


def test_heartbeat_204_recorded_and_counted(client):
    body = {
        "software_version": "0.1.0", "catalog_region": REGION, "catalog_version": 3, "queue_depth": 2,
        "oldest_pending_age_s": 12.5, "quarantined": 0, "free_disk_bytes": 10**9, "uptime_s": 60,
        "devices": {"printer": {"state": "degraded", "detail": {"paper": "low"}}}, "future": True,
    }
    for _ in range(2):
        r = client.post(f"/v1/kiosks/{KIOSK}/heartbeat", json=body, headers=H)
        assert r.status_code == 204 and r.content == b""
    (kiosk,) = client.get("/v1/admin/kiosks", headers=ADMIN).json()["kiosks"]
    assert kiosk["kiosk_id"] == KIOSK and kiosk["count"] == 2 and kiosk["last"] == body


def test_heartbeat_garbage_is_refused(client):
    """Bad input: a heartbeat body that is not JSON."""
    r = client.post(f"/v1/kiosks/{KIOSK}/heartbeat", content=b"\x00\x01", headers=H)
    assert r.status_code == 422


def test_healthz_needs_no_auth(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_every_status_has_messages_in_three_languages():
    from hub.service import STATUS_MESSAGES
    from offline_queue.wire import STATUSES

    assert set(STATUS_MESSAGES) == set(STATUSES)
    assert all(set(m) == {"zh-Hans", "zh-Hant", "en"} for m in STATUS_MESSAGES.values())


def test_submission_fixture_builder_is_valid(client, keys):
    """Guards the other tests: the builder's submissions are accepted as-is."""
    sub = build_submission(keys, n_attachments=0)
    assert client.put(sub.url, json=sub.body, headers=H).status_code == 201
