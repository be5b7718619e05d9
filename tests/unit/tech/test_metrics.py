"""Prometheus text output: format, content, atomic file writes, loopback endpoint."""

from __future__ import annotations

import os
import re
import threading
import urllib.request
from pathlib import Path

import pytest

from devices.errors import DeviceUnavailable
from devices.printer.base import PaperState, PrinterState, PrinterStatus
from kiosk.bootstrap.technician import build_monitoring
from kiosk.health.metrics import MetricsServer, StationMetrics, write_atomically
from kiosk.health.settings import SupervisorSettings
from kiosk.health.supervisor import CAMERA, CARD, PRINTER, Reading, DeviceState, Supervisor
from offline_queue.api import QueueCounts

# The exposition format, version 0.0.4: comments, or `name{labels} value`.
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? -?[0-9.e+]+$')
COMMENT = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$")


def parse(text: str) -> dict[str, float]:
    assert text.endswith("\n")
    samples = {}
    for line in text.splitlines():
        assert COMMENT.match(line) or SAMPLE.match(line), line
        if not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def sup_with(readings: dict[str, Reading]) -> Supervisor:
    sup = Supervisor({name: (lambda r=r: r) for name, r in readings.items()}, clock=lambda: 1_700_000_000.0)
    sup.probe_once()
    return sup


def test_render_states_queue_catalog_uptime():
    sup = sup_with({
        CARD: Reading(DeviceState.OK, "reader \"0\""),
        PRINTER: Reading(DeviceState.DOWN, "paper_out", PaperState.OUT),
    })
    counts = QueueCounts(pending=3, in_flight=1, delivered=40, quarantined=2, oldest_pending_age_s=125.5,
                         quarantine_reasons={"conflict": 1, "rejected": 1})
    samples = parse(StationMetrics(sup, queue_counts=lambda: counts, catalog_version=lambda: 42).render())
    assert samples['kiosk_device_state{device="card",state="ok"}'] == 1
    assert samples['kiosk_device_state{device="printer",state="down"}'] == 1
    assert samples['kiosk_device_state{device="printer",state="ok"}'] == 0
    assert samples['kiosk_printer_paper{level="out"}'] == 1
    assert samples['kiosk_queue_records{state="pending"}'] == 3
    assert samples['kiosk_queue_records{state="quarantined"}'] == 2
    assert samples["kiosk_queue_oldest_pending_age_seconds"] == 125.5
    assert samples['kiosk_queue_quarantined_by_reason{reason="conflict"}'] == 1
    assert samples["kiosk_catalog_version"] == 42
    assert samples["kiosk_uptime_seconds"] == 0
    assert samples['kiosk_device_state_since_seconds{device="card"}'] == 1_700_000_000


def test_label_values_are_escaped():
    """Bad input: a device name with a quote, backslash and newline."""
    sup = sup_with({'odd"\\\nname': Reading(DeviceState.OK, "x")})
    text = StationMetrics(sup).render()
    parse(text)
    assert 'device="odd\\"\\\\\\nname"' in text


def test_write_atomically_replaces_and_leaves_no_temp(tmp_path: Path):
    target = tmp_path / "sub" / "kiosk.prom"
    write_atomically(target, "a 1\n")
    inode = target.stat().st_ino
    write_atomically(target, "a 2\n")
    assert target.read_text() == "a 2\n" and target.stat().st_ino != inode  # renamed, not rewritten
    assert os.listdir(target.parent) == ["kiosk.prom"]


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path: Path):
    """Bad input: text that cannot be encoded (stands in for a full disk mid-write)."""
    target = tmp_path / "kiosk.prom"
    write_atomically(target, "a 1\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "\udcff")
    assert target.read_text() == "a 1\n" and os.listdir(tmp_path) == ["kiosk.prom"]


def test_fleet_writes_the_file_each_round_and_serves_loopback(tmp_path: Path):
    class Camera:
        name = "camera"
        plugged = True

        def probe(self) -> str:
            if not self.plugged:
                raise DeviceUnavailable("gone")
            return "ok"

    camera = Camera()
    path = tmp_path / "kiosk.prom"
    fleet = build_monitoring(SupervisorSettings(metrics_port=0), camera=camera, metrics_path=path)
    assert fleet.server is None
    fleet.supervisor.probe_once()
    assert parse(path.read_text())['kiosk_device_state{device="camera",state="ok"}'] == 1
    camera.plugged = False
    fleet.supervisor.probe_once()
    assert parse(path.read_text())['kiosk_device_state{device="camera",state="down"}'] == 1

    server = MetricsServer(fleet.metrics, 0)
    server.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert parse(response.read().decode())['kiosk_device_state{device="camera",state="down"}'] == 1
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/other", timeout=5)
        assert err.value.code == 404
    finally:
        server.stop()
    fleet.stop()
