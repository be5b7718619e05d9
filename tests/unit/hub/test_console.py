"""The fleet console through its HTTP surface (in-process app, both engines): login, CSRF,
logout, expiry, pages, hostile station text escaped, help requests, and the alert webhook
against a real loopback HTTP server."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from hub.console.config import ConsoleConfig
from hub.console.passwords import check_password, hash_password
from hub.console.webhook import AlertSender
from tests.unit.hub.conftest import KIOSK, OTHER_KIOSK, kiosk_headers

PASSWORD = "correct horse battery"
ADMINS = {"gz-admin": hash_password(PASSWORD)}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def beat(client, kiosk=KIOSK, **body):
    r = client.post(f"/v1/kiosks/{kiosk}/heartbeat", json=body, headers=kiosk_headers(kiosk))
    assert r.status_code == 204, r.text


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name="gz-admin", password=PASSWORD):
    page = client.get("/console/login")
    return client.post("/console/login", data={"csrf": csrf_of(page.text), "name": name, "password": password},
                       follow_redirects=False)


@pytest.fixture
def console(make_app):
    with TestClient(make_app(console=ConsoleConfig(admins=ADMINS)), base_url="http://testserver") as c:
        yield c


def test_passwords_are_scrypt_hashes_checked_in_constant_time():
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert check_password("s3cret", stored) and not check_password("s3creT", stored)
    assert not check_password("s3cret", "not a hash")


def test_pages_need_a_login_and_logout_ends_the_session(console):
    assert console.get("/console", follow_redirects=False).headers["location"] == "/console/login"
    r = login(console)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    page = console.get("/console")
    assert page.status_code == 200 and "gz-admin" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    out = console.post("/console/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert console.get("/console", follow_redirects=False).status_code == 303


def test_wrong_password_unknown_name_and_lockout(console):
    assert login(console, password="wrong").status_code == 401
    assert login(console, name="nobody").status_code == 401
    for _ in range(4):
        login(console, password="wrong")
    locked = login(console)  # the right password, but the name is locked out now
    assert locked.status_code == 401 and 'id="login-error"' in locked.text


def test_forms_without_the_right_csrf_token_are_refused(console):
    console.get("/console/login")
    refused = console.post("/console/login", data={"csrf": "forged", "name": "gz-admin", "password": PASSWORD})
    assert refused.status_code == 403
    assert login(console).status_code == 303
    assert console.post("/console/logout", data={"csrf": "forged"}).status_code == 403
    assert console.get("/console").status_code == 200  # still logged in
    other_site = console.post("/console/logout", data={"csrf": csrf_of(console.get("/console").text)},
                              headers={"Origin": "http://evil.example"})
    assert other_site.status_code == 403


def test_sessions_expire(make_app):
    config = ConsoleConfig(admins=ADMINS, session_idle_s=0.0)
    with TestClient(make_app(console=config)) as client:
        assert login(client).status_code == 303
        assert client.get("/console", follow_redirects=False).status_code == 303


def test_overview_states_counts_filters_and_alerts(console, clock):
    beat(console, KIOSK, software_version="1.4.0", queue_depth=2,
         devices={"printer": {"state": "degraded", "detail": {"paper": "low"}}})
    beat(console, OTHER_KIOSK, software_version="1.4.0", oldest_pending_age_s=7200.0,
         catalogs=[{"region": "440300", "version": 3, "state": "expired"}],
         devices={"printer": {"state": "down", "detail": {"paper": "out"}}})
    login(console)
    page = console.get("/console").text
    assert re.search(r'id="count-degraded">[^<]*<b>1</b>', page) and re.search(r'id="count-down">[^<]*<b>1</b>', page)
    for kind in ("打印机缺纸或故障", "积压过久", "目录已过期"):
        assert kind in page
    english = console.get("/console?lang=en&city=SZ").text
    assert "Printer out" in english and 'id="station-SZ-FT-0002"' in english and 'id="station-GZ-HZ-0001"' not in english
    assert "Printer out" in console.get("/console").text  # the language is kept in a cookie
    assert 'id="station-GZ-HZ-0001"' in console.get("/console?state=degraded").text
    clock.now += timedelta(seconds=91)  # more than 3 heartbeats of 30 s
    silent = console.get("/console?state=silent").text
    assert 'id="station-GZ-HZ-0001"' in silent and 'id="station-SZ-FT-0002"' in silent


def test_station_page_shows_devices_catalogs_audit_head_and_help(console):
    beat(console, software_version="1.4.0", queue_depth=3, oldest_pending_age_s=42.0, quarantined=1,
         devices={"printer": {"state": "ok", "detail": {"paper": "ok"}}, "camera": {"state": "ok"}},
         catalogs=[{"region": "440105", "version": 7, "state": "active"}], audit_head={"seq": 12, "hash": "a" * 64})
    r = console.post(f"/v1/kiosks/{KIOSK}/help", headers=kiosk_headers(),
                     json={"kind": "call", "session_step": "documents", "requested_at": "2026-11-23T08:59:30Z",
                           "name": "测试甲"})
    assert r.status_code == 202
    login(console)
    page = console.get(f"/console/stations/{KIOSK}?lang=en").text
    assert 'id="queue-depth">3<' in page and 'id="quarantined">1<' in page and "42 s" in page
    assert "#12 " + "a" * 64 in page and "440105" in page and "documents" in page and "测试甲" not in page
    assert 'title="2026-11-23 09:00:00 UTC">2026-11-23 17:00:00</time>' in page  # local shown, UTC on hover
    assert "Help requested (1)" in page
    assert console.get("/console/stations/XX-XX-9999").status_code == 404


def test_help_requests_are_checked_and_kept_to_their_kiosk(console):
    good = {"kind": "device", "session_step": "form", "requested_at": "2026-11-23T08:59:30Z"}
    assert console.post(f"/v1/kiosks/{OTHER_KIOSK}/help", headers=kiosk_headers(), json=good).status_code == 403
    bad = console.post(f"/v1/kiosks/{KIOSK}/help", headers=kiosk_headers(), json={**good, "kind": "fire"})
    assert bad.status_code == 422
    assert console.post(f"/v1/kiosks/{KIOSK}/help", json=good).status_code == 401


def test_hostile_text_from_stations_is_shown_as_text(console):
    beat(console, software_version=HOSTILE, devices={HOSTILE: {"state": "degraded", "detail": HOSTILE}},
         catalogs=[{"region": "<i>R</i>", "version": 1, "state": "expired"}])
    login(console)
    for url in ("/console", f"/console/stations/{KIOSK}", "/console/catalogs"):
        page = console.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<i>R</i>" not in page, url
    assert "&lt;script&gt;" in console.get("/console").text


def test_catalogs_and_cases_pages(console, keys):
    from tests.unit.hub.conftest import ADMIN, build_submission, upload_attachments
    from tests.unit.hub.test_auth_catalog_health import REGION, catalog

    from offline_queue.catalog_bundle import sign_bundle

    bundle = sign_bundle(catalog(version=5), keys.signing_private, keys.signing_key_id)
    assert console.put(f"/v1/catalog/{REGION}", json=bundle, headers=ADMIN).status_code == 201
    beat(console, catalog_region=REGION, catalogs=[{"region": REGION, "version": 5, "state": "active"}])
    sub = build_submission(keys, n_attachments=1)
    upload_attachments(console, sub)
    assert console.put(sub.url, json=sub.body, headers=kiosk_headers()).status_code == 201
    login(console)
    catalogs = console.get("/console/catalogs").text
    assert f'id="region-{REGION}"' in catalogs and "1: GZ-HZ-0001" in catalogs
    cases = console.get("/console/cases").text
    assert f'id="cases-{REGION}"' in cases and "received" in cases and "测试甲" not in cases


class _Hook(BaseHTTPRequestHandler):
    bodies: list[dict] = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if _Hook.fail_first:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.bodies.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_new_alerts_are_posted_to_the_webhook_once_with_retries(make_app):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Hook.bodies, _Hook.fail_first = [], 1
    config = ConsoleConfig(admins=ADMINS, webhook_url=f"http://127.0.0.1:{server.server_port}/hook",
                           webhook_timeout_s=2.0, webhook_attempts=2)
    try:
        with TestClient(make_app(console=config)) as client:
            beat(client, devices={"printer": {"state": "down", "detail": {"paper": "out"}}})
            sender = AlertSender(client.app.state.hub.service, config)
            assert sender.round() == 1  # the first POST got a 503, the retry a 204
            assert sender.round() == 0  # delivered: not sent again while it stands
            beat(client, devices={"printer": {"state": "ok"}})
            sender.round()
            beat(client, devices={"printer": {"state": "down"}})
            assert sender.round() == 1  # it came back
    finally:
        server.shutdown()
    assert [a["kind"] for b in _Hook.bodies for a in b["alerts"]] == ["printer_out", "printer_out"]
    assert _Hook.bodies[0]["alerts"][0]["kiosk_id"] == KIOSK


def test_an_unreachable_webhook_gives_up_within_its_attempts(make_app):
    import time

    from hub.console.webhook import post_json

    started = time.monotonic()
    assert not post_json("http://127.0.0.1:1/hook", {"alerts": []}, timeout_s=1.0, attempts=2, pause_s=0.1)
    assert time.monotonic() - started < 5
