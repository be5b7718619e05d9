"""The composition root: the ONE place that reads config and builds devices, queue and app.

Nothing else in the station constructs a backend from configuration; screens, the
supervisor and the CLI receive what they need from here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from kiosk.config import Config


@dataclass(frozen=True)
class Check:
    """One line of `doctor`."""

    name: str
    ok: bool
    detail: str


def _data_dir_check(config: Config) -> Check:
    data_dir = config.resolve(config.station.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-"):
            pass
        stat = os.statvfs(data_dir)
    except OSError as exc:
        return Check("data dir", False, f"{data_dir}: {exc.strerror or exc}")
    free_mb = stat.f_bavail * stat.f_frsize // 2**20
    return Check("data dir", True, f"{data_dir} writable, {free_mb} MiB free")


def doctor_checks(config: Config) -> list[Check]:
    """Every self-check, in order: config, storage, then each device."""
    return [Check("config", True, str(config.path)), _data_dir_check(config)]


def run_station(config: Config) -> int:
    raise NotImplementedError


def run_demo(config: Config, hub_port: int = 0) -> int:
    raise NotImplementedError
