"""Device states handed from the station app to the sync daemon's heartbeat.

The station app's supervisor probes the devices; the sync daemon, another process, reports
them upstream. They meet in the queue database's flags (both processes open it), so no second
file or socket is needed. A report carries the time it was taken: when the app stops
reporting (crashed, hung, stopped) the heartbeat says the app is down instead of passing off
old states as current.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from offline_queue.api import FlagStore

#: The flag that holds the newest report: `{"at": unix time, "devices": {...}}`.
DEVICE_STATES_FLAG = "device_states"

DeviceReport = Mapping[str, Mapping[str, str]]


def publish_device_states(flags: FlagStore, devices: DeviceReport, clock: Callable[[], float] = time.time) -> None:
    """Store the states with the time they were taken (the app calls this after each probe round)."""
    flags.set_flag(DEVICE_STATES_FLAG, json.dumps({"at": clock(), "devices": devices}))


def read_device_states(
    flags: FlagStore, stale_after_s: float = 120.0, clock: Callable[[], float] = time.time
) -> dict[str, dict[str, str]]:
    """The daemon's `device_states` for the heartbeat (a stale or missing report: app down)."""
    raw = flags.get_flag(DEVICE_STATES_FLAG)
    try:
        report = json.loads(raw) if raw else None
        age = clock() - float(report["at"]) if report else None
        devices = dict(report["devices"]) if report else {}
    except (ValueError, KeyError, TypeError):
        return {"station_app": {"state": "down", "detail": "device report unreadable"}}
    if age is None:
        return {"station_app": {"state": "down", "detail": "no device report yet"}}
    if age > stale_after_s:
        return {"station_app": {"state": "down", "detail": f"no device report for {int(age)} s"}}
    return devices
