"""`make run` end to end, without a terminal: what `run_kiosk.py demo` starts, for real.

The demo's own orchestration (`kiosk.demo.processes`) starts the reference hub and the sync daemon as
processes on loopback; the station is built by the composition root from a copy of the
shipped config.toml; a Pilot completes a session with the mouse; the daemon delivers it and
the hub (which opens the sealed payload with its private key) has it exactly once.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from devices.card.samples import RESIDENT
from kiosk import bootstrap
from kiosk.demo import processes as demo
from kiosk.config import load_config
from kiosk.domain.flow import Step
from kiosk.station import STATION_SIZE
from kiosk.ui.app import KioskApp
from tests.tui.conftest import click, fill_endorsement_up_to_capture, wait_for

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _station_config(tmp_path: Path) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8700", f"http://127.0.0.1:{_free_port()}")
    text = text.replace("heartbeat_interval_s = 30", "heartbeat_interval_s = 1")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_session_reaches_the_local_hub(tmp_path):
    path = _station_config(tmp_path)
    demo.prepare(path)
    config = load_config(path)
    secrets = (tmp_path / "var" / "demo" / "secrets.toml").stat().st_mode & 0o777
    assert secrets == 0o600, "the station's token and keys are not world-readable"

    with demo.background(config) as notes, bootstrap.station(config) as station:
        assert any("catalog=applied:v1" in line for line in notes), notes
        app = KioskApp(station)
        async with app.run_test(size=STATION_SIZE) as pilot:
            await fill_endorsement_up_to_capture(pilot, "#lang-zh-Hans")
            await click(pilot, "#demo-place")  # the demo lays the sample document on the platen
            await wait_for(pilot, lambda: app.screen.query_one("#use").display, timeout=30)
            await click(pilot, "#use")
            await wait_for(pilot, lambda: app.step is Step.REVIEW)
            await click(pilot, "#consent")
            await click(pilot, "#submit")
            await wait_for(pilot, lambda: app.step is Step.DONE)
            await wait_for(pilot, lambda: len(station.printer.printed) == 1)
            number = app.receipt.receipt_number

        hub = json.loads((tmp_path / "var" / "hub" / "hub.json").read_text(encoding="utf-8"))
        admin = {"Authorization": f"Bearer {hub['admin_token']}"}
        deadline = time.monotonic() + 30
        delivered: list[dict] = []
        while time.monotonic() < deadline and not delivered:
            answer = requests.get(f"{config.sync.base_url}/v1/admin/submissions", headers=admin, timeout=5).json()
            delivered = [s for s in answer["submissions"] if s["receipt_number"] == number]
            time.sleep(0.3)
        assert len(delivered) == 1, "the daemon delivered the submission exactly once"
        assert delivered[0]["service_code"] == "HKMO-ENDORSE"
        assert len(delivered[0]["attachments"]) == 1, "the captured page travelled with it"
        assert delivered[0]["kiosk_id"] == config.station.id

    status = subprocess.run(
        [sys.executable, str(ROOT / "run_kiosk.py"), "--config", str(path), "queue", "status"],
        capture_output=True, text=True, timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "delivered" in status.stdout
    for secret in (RESIDENT.name, RESIDENT.id_number):
        assert secret not in status.stdout
    for leftover in (tmp_path / "var").rglob("*"):
        if leftover.is_file():
            data = leftover.read_bytes()
            assert RESIDENT.id_number.encode() not in data, f"plaintext ID number in {leftover}"
            assert RESIDENT.name.encode() not in data, f"plaintext name in {leftover}"
