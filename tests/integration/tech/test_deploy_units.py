"""The systemd units in deploy/ parse with the real systemd-analyze, and keep restart + watchdog."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "systemd"
UNITS = sorted(DEPLOY.glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is part of systemd (Debian: systemd)")
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_verifies(unit: Path, tmp_path: Path):
    """systemd-analyze verify, with the install paths pointed at executables that exist here."""
    text = unit.read_text()
    text = text.replace("/opt/kiosk-station/.venv/bin/python", sys.executable).replace("/usr/bin/cage", shutil.which("true"))
    copy = tmp_path / unit.name
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    problems = [line for line in result.stderr.splitlines() if unit.name in line or "Unknown" in line]
    assert result.returncode == 0 and not problems, result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_restarts_and_has_a_watchdog(unit: Path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(unit.read_text().replace("\\\n", " "))
    service = parser["Service"]
    assert service["Restart"] == "always"
    assert int(service["WatchdogSec"]) > 0 and service["Type"] == "notify"
    assert "run_kiosk.py" in service["ExecStart"]
    if "station" in unit.name:  # "leave kiosk mode" must not be undone by an instant restart
        from kiosk.technician.ops import LEFT_KIOSK_EXIT_CODE

        assert service["RestartPreventExitStatus"] == str(LEFT_KIOSK_EXIT_CODE)
