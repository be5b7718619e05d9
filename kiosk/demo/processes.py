"""`run_kiosk.py demo`: the whole station on one machine, each part in its own process.

The demo plays all three parties so that a person can see a submission travel end to end:
the platform (the reference hub, `python -m hub`, on loopback), the regional admin (the hub's
CLI signs the demo catalog with its demo signing key and publishes it), and the station (the sync
daemon, `run_kiosk.py sync`, and the UI in this process). The parts talk over real HTTP and
a real SQLite queue exactly as in production; nothing is short-circuited.

On first start the hub creates its keys and tokens under `<data_dir>/hub`; the demo then
writes the station's secrets file (sync token, the platform's sealing public key, trusted
catalog keys) where `config.toml` points, mode 0600.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

from kiosk.config import Config, ConfigError, StationSection, read_toml, secrets_path
from kiosk.demo.catalogs import demo_catalog_payload
from hub.cli import EXIT_NOT_NEWER

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
HUB_CLI_TIMEOUT_S = 60.0  # a cold `python -m hub` on a busy two-core station
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class DemoError(Exception):
    """The demo cannot start; `str()` says why in one line."""


def _hub_dir(config_dir: Path, station: StationSection) -> Path:
    data = station.data_dir if station.data_dir.is_absolute() else config_dir / station.data_dir
    return data / "hub"


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def prepare(config_path: Path) -> None:
    """Create the hub's keys (first start) and the station's secrets file from them.

    Runs before the config is validated, because the config is only complete once the
    secrets file exists.
    """
    raw = read_toml(config_path)
    secret = secrets_path(config_path, raw)
    if secret is None:
        raise ConfigError(f"{config_path}: secrets_file: the demo needs one (it writes the hub's keys there)")
    station = StationSection.model_validate(raw.get("station", {}))
    hub_dir = _hub_dir(config_path.resolve().parent, station)
    proc = subprocess.run(
        [sys.executable, "-m", "hub", "--data", str(hub_dir), "--kiosk", station.id, "--station", station.id],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise DemoError(proc.stderr.strip() or "the hub could not create its keys")
    view = json.loads(proc.stdout)
    lines = [
        "# Written by `run_kiosk.py demo` from the local hub's keys. Mode 0600.",
        "[queue]",
        f"sealing_public_key = {_toml_string(view['sealing_public_key'])}",
        f"sealing_key_id = {_toml_string(view['sealing_key_id'])}",
        "[sync]",
        f"token = {_toml_string(view['token'])}",
        "[sync.trusted_admin_keys]",
        *(f"{_toml_string(k)} = {_toml_string(v)}" for k, v in sorted(view["catalog_keys"].items())),
    ]
    secret.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def _wait_healthy(base_url: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"the hub exited with code {proc.returncode} (see its log)")
        try:
            if requests.get(f"{base_url}/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise DemoError(f"the hub did not answer at {base_url} within {START_TIMEOUT_S:.0f} s")


def publish_demo_catalog(config: Config, hub_dir: Path) -> str:
    """Have the hub's CLI sign the bundled demo catalog as the demo admin and publish it for
    this station's region (the demo never reads the hub's key or token files itself)."""
    payload = demo_catalog_payload()
    proc = subprocess.run(
        [sys.executable, "-m", "hub", "--data", str(hub_dir),
         "--publish-catalog", "-", "--region", config.station.region],
        input=json.dumps(payload, ensure_ascii=False),
        capture_output=True, text=True, timeout=HUB_CLI_TIMEOUT_S, cwd=ROOT,
    )
    if proc.returncode == 0:
        return f"published demo catalog version {json.loads(proc.stdout)['version']}"
    if proc.returncode == EXIT_NOT_NEWER:
        return f"demo catalog version {payload['version']} already published"
    raise DemoError(proc.stderr.strip() or f"the hub could not publish the demo catalog (exit {proc.returncode})")


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the demo process dies, however it dies.

    A demo killed outright (SIGKILL, or a station that had to leave a dead terminal without
    running this module's `finally`) would otherwise leave its hub holding the port and its
    daemon running, and the next `make run` would fail."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: the sync daemon finishes its current request first
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def background(config: Config) -> Iterator[list[str]]:
    """Hub and sync daemon running for the duration of the block; lines to show the person."""
    url = urlsplit(config.sync.base_url)
    if url.hostname not in ("127.0.0.1", "localhost") or url.port is None:
        raise DemoError(f"sync.base_url must be http://127.0.0.1:PORT for the demo, not {config.sync.base_url}")
    hub_dir = _hub_dir(config.path.parent, config.station)
    logs = hub_dir.parent / "demo"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        with open(logs / "hub.log", "ab") as hub_log:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "hub", "--port", str(url.port), "--data", str(hub_dir)],
                stdout=hub_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
                preexec_fn=_die_with_parent,
            ))
        _wait_healthy(config.sync.base_url, procs[0], time.monotonic() + START_TIMEOUT_S)
        notes = [publish_demo_catalog(config, hub_dir)]
        sync_cmd = [sys.executable, str(ROOT / "run_kiosk.py"), "--config", str(config.path), "sync"]
        once = subprocess.run([*sync_cmd, "--once"], capture_output=True, text=True, timeout=60, cwd=ROOT)
        if once.returncode != 0:
            last = (once.stderr.strip().splitlines() or ["no output"])[-1]
            raise DemoError(f"the first sync pass failed (exit {once.returncode}): {last}")
        notes.append(once.stdout.strip())
        with open(logs / "sync.log", "ab") as sync_log:
            procs.append(subprocess.Popen(
                sync_cmd, stdout=sync_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
                preexec_fn=_die_with_parent,
            ))
        notes.append(f"hub on {config.sync.base_url}, logs in {logs}")
        notes.append(f"fleet console on {config.sync.base_url.rstrip('/')}/console (login in {hub_dir / 'console-login.json'})")
        yield notes
    finally:
        for proc in reversed(procs):
            _stop(proc)
