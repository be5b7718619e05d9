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
    assert names == ["config", "credentials", "data dir", "queue", "catalog", "audit trail", "card reader", "camera", "printer"]
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
