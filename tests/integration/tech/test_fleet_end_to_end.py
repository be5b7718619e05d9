"""Audit records and device states travel to the platform: real outbox file, real sync
engine, the reference hub as uvicorn on a loopback port."""

from __future__ import annotations

import json

import pytest
import requests

from devices.card.simulated import SimulatedCardReader
from devices.printer.base import PrinterState
from devices.printer.simulated import SimulatedPrinter
from kiosk.health.supervisor import Supervisor, probers_for
from hub.server import running
from offline_queue.audit import AuditTrail, verify_database
from offline_queue.client import ServiceClient
from offline_queue.engine import SyncEngine
from offline_queue.sealing import Opener
from offline_queue.settings import SyncSettings
from offline_queue.outbox import Outbox
from tests.unit.hub.conftest import ADMIN, KIOSK, TOKENS, clock, faults, hub_database, keys, make_app, pg_cluster  # noqa: F401 (fixtures)

pytestmark = pytest.mark.realstack


@pytest.fixture
def live_hub(make_app):
    with running(make_app()) as hub:
        yield hub


def engine_for(hub, outbox, device_states=dict) -> SyncEngine:
    settings = SyncSettings(base_url=hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], connect_timeout_s=2,
                            read_timeout_s=5, backoff_base_s=0.01, backoff_cap_s=0.05)
    return SyncEngine(outbox, ServiceClient(settings), settings, device_states=device_states)


def test_audit_records_reach_the_platform_sealed_and_verifiable(tmp_path, live_hub, keys):
    outbox = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    with AuditTrail(tmp_path / "audit.sqlite3", sink=outbox.enqueue, kiosk_id=KIOSK) as trail:
        trail.append("technician", "login", {"method": "badge", "who": "badge#1"})
        trail.append("technician", "export", {"records": 2, "directory": "kiosk-export-x"})
        local = {r.seq: r.hash for r in trail.recent()}
        # What the platform will read: the sealed payload opens with the platform's key only.
        opener = Opener(keys.sealing_private)
        sealed = {r.receipt_number: json.loads(opener.open(r.sealed_payload)) for r in outbox.undelivered()}
        assert sealed["AUDIT-00000002"]["audit"]["hash"] == local[2]
        assert sealed["AUDIT-00000002"]["audit"]["prev_hash"] == local[1]

        summary = engine_for(live_hub, outbox).run_until_idle()
        assert outbox.counts().delivered == 2 and outbox.counts().pending == 0, summary

        listing = requests.get(f"{live_hub.url}/v1/admin/submissions", headers=ADMIN, timeout=5).json()
        audit = {s["receipt_number"]: s for s in listing["submissions"] if s["service_code"] == "AUDIT"}
        assert set(audit) == {"AUDIT-00000001", "AUDIT-00000002"}
        assert {s["kiosk_id"] for s in audit.values()} == {KIOSK}
        # The platform's copy is the anchor: the station's chain must end where it ends.
        assert verify_database(tmp_path / "audit.sqlite3", expect_head=(2, local[2])).ok
    outbox.close()


def test_heartbeat_carries_the_supervisors_device_states(tmp_path, live_hub, keys):
    """Bad input: the printer out of paper when the heartbeat goes."""
    printer = SimulatedPrinter()
    sup = Supervisor(probers_for(card=SimulatedCardReader(), printer=printer))
    printer.set_state(PrinterState.PAPER_OUT)
    sup.probe_once()
    outbox = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    try:
        assert engine_for(live_hub, outbox, sup.device_states).heartbeat() == "ok"
    finally:
        outbox.close()
    kiosks = requests.get(f"{live_hub.url}/v1/admin/kiosks", headers=ADMIN, timeout=5).json()
    text = json.dumps(kiosks)
    assert '"paper": "out"' in text and '"state": "down"' in text and '"card"' in text


def test_device_states_cross_from_the_app_to_the_daemon_through_the_queue_database(tmp_path, live_hub, keys):
    """Two Outbox connections (app, daemon) on one file; then the app stops reporting."""
    from offline_queue.device_states import publish_device_states, read_device_states

    now = [1_800_000_000.0]
    printer = SimulatedPrinter()
    sup = Supervisor(probers_for(printer=printer))
    app_side = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    daemon_side = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    try:
        assert read_device_states(daemon_side)["station_app"]["detail"] == "no device report yet"
        sup.after_each_round(lambda: publish_device_states(app_side, sup.device_states(), clock=lambda: now[0]))
        printer.set_state(PrinterState.COVER_OPEN)
        sup.probe_once()
        engine = engine_for(live_hub, daemon_side, lambda: read_device_states(daemon_side, 120, lambda: now[0]))
        assert engine.heartbeat() == "ok"
        assert read_device_states(daemon_side, 120, lambda: now[0])["printer"]["state"] == "down"
        now[0] += 121  # the app hung: its last report is stale
        assert read_device_states(daemon_side, 120, lambda: now[0]) == {
            "station_app": {"state": "down", "detail": "no device report for 121 s"}
        }
    finally:
        app_side.close()
        daemon_side.close()
    kiosks = json.dumps(requests.get(f"{live_hub.url}/v1/admin/kiosks", headers=ADMIN, timeout=5).json())
    assert "cover_open" in kiosks


def test_unreadable_device_report_is_down_not_a_crash(tmp_path, keys):
    """Bad input: garbage in the shared flag."""
    from offline_queue.device_states import DEVICE_STATES_FLAG, read_device_states

    outbox = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    try:
        outbox.set_flag(DEVICE_STATES_FLAG, "{not json")
        assert read_device_states(outbox)["station_app"]["detail"] == "device report unreadable"
    finally:
        outbox.close()


def test_sync_daemon_notifies_systemd_ready_watchdog_stopping(tmp_path, live_hub, keys):
    """The daemon's loop pings a real notify socket; a stop request sends STOPPING=1."""
    import os
    import socket
    import tempfile
    import threading

    from offline_queue.daemon import SyncDaemon
    from kiosk.health.systemd import SdNotifier

    directory = tempfile.mkdtemp(prefix="sdn")
    path = os.path.join(directory, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    outbox = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    settings = SyncSettings(base_url=live_hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], idle_poll_s=0.05)
    engine = SyncEngine(outbox, ServiceClient(settings), settings)
    daemon = SyncDaemon(engine, systemd=SdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"}))
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        assert sock.recv(200) == f"READY=1\nSTATUS=delivering for {KIOSK}".encode()
        assert sock.recv(200) == b"WATCHDOG=1" and sock.recv(200) == b"WATCHDOG=1"
    finally:
        daemon.stop.set()
        thread.join(10)
    messages = []
    sock.settimeout(0.5)
    try:
        while True:
            messages.append(sock.recv(200))
    except TimeoutError:
        pass
    sock.close()
    os.unlink(path)
    os.rmdir(directory)
    assert not thread.is_alive() and messages[-1] == b"STOPPING=1"


def test_daemon_records_a_platform_catalog_install_once(tmp_path, live_hub, keys):
    """Bad input: the same bundle outcome seen at every poll must be recorded once."""
    from offline_queue.catalog_bundle import sign_bundle
    from offline_queue.daemon import SyncDaemon

    payload = json.loads((__import__("pathlib").Path(__file__).resolve().parents[3] / "kiosk" / "demo" / "catalog.json").read_text())
    payload["version"] = 7
    bundle = sign_bundle(payload, keys.signing_private, keys.signing_key_id)
    published = requests.put(f"{live_hub.url}/v1/catalog/{payload['region']}", json=bundle, headers=ADMIN, timeout=5)
    assert published.status_code in (200, 201), published.text
    outbox = Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0)
    settings = SyncSettings(base_url=live_hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], region=payload["region"],
                            trusted_admin_keys={keys.signing_key_id: keys.signing_public})
    audit = AuditTrail(tmp_path / "audit.sqlite3", sink=outbox.enqueue, kiosk_id=KIOSK)
    daemon = SyncDaemon(SyncEngine(outbox, ServiceClient(settings), settings), audit=audit)
    daemon._audit_catalog(daemon.engine.poll_catalog())
    daemon._audit_catalog("rejected:not_newer")
    daemon._audit_catalog("rejected:not_newer")
    daemon._audit_catalog("not_modified")
    records = [(r.actor, r.action, r.detail["result"]) for r in reversed(audit.recent())]
    assert records == [("admin", "catalog_install", "applied:v7"), ("admin", "catalog_install", "rejected:not_newer")]
    daemon.close()
