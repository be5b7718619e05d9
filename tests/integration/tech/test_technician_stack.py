"""`build_technician_stack` from a real config file: what the composition root gets."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.bootstrap import parts
from kiosk.config import load_config
from kiosk.bootstrap.technician import build_technician_stack
from offline_queue.device_states import DEVICE_STATES_FLAG
from kiosk.technician.credentials import hash_pin
from offline_queue.audit import verify_database
from offline_queue.sealing import generate_keypair


def write_config(tmp: Path) -> Path:
    _, public = generate_keypair()
    pin_hash = hash_pin("246810")  # the RFC 9106 profile: the config refuses a weaker hash
    path = tmp / "config.toml"
    path.write_text(f"""
[station]
data_dir = "data"
[card]
backend = "simulated"
[printer]
backend = "simulated"
[camera]
backend = "simulated"
[queue]
db_path = "data/queue.sqlite3"
sealing_public_key = "{public}"
min_free_bytes = 0
[technician]
pin_hash = "{pin_hash}"
max_tries = 3
[supervisor]
metrics_path = "data/metrics/kiosk.prom"
[audit]
db_path = "data/audit.sqlite3"
""")
    return path


def test_stack_from_config_probes_audits_publishes_and_writes_metrics(tmp_path):
    config = load_config(write_config(tmp_path))
    outbox = parts.outbox(config)
    card, camera, printer = parts.card_reader(config), parts.camera(config), parts.printer(config)
    camera.start()
    stack = build_technician_stack(config, card=card, camera=camera, printer=printer, outbox=outbox,
                                   catalog=parts.ActiveCatalog(outbox))
    try:
        stack.start()
        metrics = (tmp_path / "data" / "metrics" / "kiosk.prom").read_text()
        assert 'kiosk_device_state{device="camera",state="ok"} 1' in metrics
        assert "kiosk_catalog_version 0" in metrics and 'kiosk_queue_records{state="pending"} 0' in metrics
        published = json.loads(outbox.get_flag(DEVICE_STATES_FLAG))
        assert set(published["devices"]) == {"card", "camera", "printer"}

        gate = stack.ops.gate
        assert [gate.login_pin("000000").outcome for _ in range(3)][-1] == "locked"  # max_tries from config
        camera.unplug()
        stack.supervisor.probe_once()
        assert 'kiosk_device_state{device="camera",state="down"} 1' in (tmp_path / "data" / "metrics" / "kiosk.prom").read_text()
    finally:
        stack.close()
        camera.stop()
    audit_db = tmp_path / "data" / "audit.sqlite3"
    assert verify_database(audit_db).ok
    assert outbox.counts().pending == 5  # 3 failed logins + lockout + the camera going down, as AUDIT records
    outbox.close()
