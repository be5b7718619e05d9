"""`run_kiosk.py doctor`: one line per check, non-zero when any fails."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _doctor(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_kiosk.py"), "--config", str(path), "doctor"],
        capture_output=True, text=True, timeout=90,
    )


def test_all_checks_pass_on_the_simulated_station(station_config):
    done = _doctor(station_config())
    assert done.returncode == 0, done.stdout + done.stderr
    names = [line[5:].split(":")[0] for line in done.stdout.splitlines()]
    assert names == [
        "config", "credentials", "file modes", "data dir", "queue", "catalog", "audit trail", "card reader", "camera",
        "printer",
    ]
    assert all(line.startswith("ok   ") for line in done.stdout.splitlines())


def test_a_dead_printer_fails_the_doctor(station_config):
    """Bad input: the configured network printer does not answer (nothing listens on its port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before doctor connects: connection refused
    path = station_config()
    text = path.read_text(encoding="utf-8").replace('[printer]\n# Receipt printer: "simulated", "network" (raw port 9100), "usb", "serial" or "file". demo: "simulated".\nbackend = "simulated"', '[printer]\nbackend = "network"')
    text = text.replace("port = 9100", f"port = {port}")
    path.write_text(text, encoding="utf-8")
    done = _doctor(path)
    assert done.returncode == 1
    [printer] = [line for line in done.stdout.splitlines() if " printer:" in line]
    assert printer.startswith("FAIL printer:")
    assert "Traceback" not in done.stderr


def test_doctor_names_every_file_others_can_read(station_config):
    """Bad input: a 0644 secrets file, a 0644 queue database and a 0755 data folder, as an
    older build or a careless copy leaves them: one FAIL line each, with its fix."""
    path = station_config()
    assert _doctor(path).returncode == 0  # creates var/ and the databases, private
    var = path.parent / "var"
    (path.parent / "secrets.toml").chmod(0o644)
    (var / "queue.sqlite3").chmod(0o644)
    var.chmod(0o755)
    done = _doctor(path)
    assert done.returncode == 1
    loose = [line for line in done.stdout.splitlines() if " file modes:" in line]
    assert loose == [
        f"FAIL file modes: {var} is 0755, want 0700 (chmod 0700 {var})",
        f"FAIL file modes: {var / 'queue.sqlite3'} is 0644, want 0600 (chmod 0600 {var / 'queue.sqlite3'})",
        f"FAIL file modes: {path.parent / 'secrets.toml'} is 0644, want 0600 (chmod 0600 {path.parent / 'secrets.toml'})",
    ]


def test_doctor_finds_a_damaged_queue_record(station_config):
    """Bad input: 4 KiB of random bytes inside a stored attachment; SQLite's own check passes."""
    from offline_queue.outbox import Outbox
    from offline_queue.sealing import Sealer, generate_keypair
    from tests.integration.queue.conftest import new_submission
    from tests.unit.queue import damage

    path = station_config()
    db = path.parent / "var" / "queue.sqlite3"
    with Outbox.open(db, Sealer(generate_keypair()[1], "k"), min_free_bytes=0) as box:
        done = box.enqueue(new_submission(0, attach_bytes=40_000))
        record = next(box.undelivered())
        blob = box.attachment_data(record, record.attachments[1].sha256)
    damage.random_bytes_inside(db, blob)
    result = _doctor(path)
    assert result.returncode == 1
    [queue] = [line for line in result.stdout.splitlines() if " queue:" in line]
    assert queue.startswith("FAIL queue: quick_check ok; hashes of 1 pending record(s) checked, 1 damaged:")
    assert done.submission_id in queue and "--salvage" in queue
