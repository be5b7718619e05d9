"""What the fleet console and the alert webhook say about stations, from the hub's records:
pure functions over heartbeats and help requests, no I/O.

A station's state is the worst that applies:
- `silent`: no heartbeat for more than `FleetRules.silent_after` heartbeat intervals;
- `down`: a device reports `down`;
- `degraded`: a device reports `degraded`, or an alert other than help stands;
- `ok`: none of these.
Alerts: `silent`, `printer_out` (the printer is down or its paper is out), `backlog` (the
oldest pending submission is older than `backlog_after_s`), `catalog_expired` (a catalog the
station holds is expired), `help` (help requested within `help_window_s`).
A station's city is the first part of its id (`GZ-HZ-0001`: `GZ`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STATES = ("ok", "degraded", "down", "silent")
#: The overview lists the stations that need attention first.
SEVERITY = {"silent": 0, "down": 1, "degraded": 2, "ok": 3}
ALERT_KINDS = ("silent", "printer_out", "backlog", "catalog_expired", "help")


@dataclass(frozen=True)
class FleetRules:
    heartbeat_interval_s: float = 30.0
    silent_after: int = 3
    backlog_after_s: float = 3600.0
    help_window_s: float = 3600.0


@dataclass(frozen=True)
class Alert:
    kiosk_id: str
    kind: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"kiosk_id": self.kiosk_id, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class Station:
    kiosk_id: str
    city: str
    state: str
    received_at: str
    heartbeats: int
    last: dict[str, Any]
    alerts: tuple[Alert, ...] = field(default=())

    @property
    def region(self) -> str:
        region = self.last.get("catalog_region")
        return region if isinstance(region, str) and region else "?"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def city_of(kiosk_id: str) -> str:
    return kiosk_id.split("-", 1)[0] or "?"


def _devices(last: dict[str, Any]) -> dict[str, dict[str, Any]]:
    devices = last.get("devices")
    if not isinstance(devices, dict):
        return {}
    return {str(k): v for k, v in devices.items() if isinstance(v, dict)}


def _printer_out(devices: dict[str, dict[str, Any]]) -> bool:
    printer = devices.get("printer", {})
    detail = printer.get("detail")
    paper = detail.get("paper") if isinstance(detail, dict) else None
    return printer.get("state") == "down" or paper == "out"


def station(beat: dict[str, Any], help_count: int, now: datetime, rules: FleetRules) -> Station:
    """One station from its latest heartbeat record (`HubStore.heartbeats`) and its recent help requests."""
    kiosk_id, last = beat["kiosk_id"], beat["last"] if isinstance(beat["last"], dict) else {}
    devices = _devices(last)
    alerts: list[Alert] = []
    silent_for = (now - parse_time(beat["received_at"])).total_seconds()
    silent = silent_for > rules.silent_after * rules.heartbeat_interval_s
    if silent:
        alerts.append(Alert(kiosk_id, "silent", f"{int(silent_for)} s"))
    if _printer_out(devices):
        alerts.append(Alert(kiosk_id, "printer_out", str(devices["printer"].get("detail", ""))[:200]))
    age = last.get("oldest_pending_age_s")
    if isinstance(age, (int, float)) and age > rules.backlog_after_s:
        alerts.append(Alert(kiosk_id, "backlog", f"{int(age)} s"))
    catalogs = last.get("catalogs") if isinstance(last.get("catalogs"), list) else []
    expired = [c for c in catalogs if isinstance(c, dict) and c.get("state") == "expired"]
    if expired:
        alerts.append(Alert(kiosk_id, "catalog_expired", ", ".join(f"{c.get('region')} v{c.get('version')}" for c in expired)))
    if help_count:
        alerts.append(Alert(kiosk_id, "help", str(help_count)))
    device_states = {d.get("state") for d in devices.values()}
    if silent:
        state = "silent"
    elif "down" in device_states:
        state = "down"
    elif "degraded" in device_states or any(a.kind != "help" for a in alerts):
        state = "degraded"
    else:
        state = "ok"
    return Station(kiosk_id, city_of(kiosk_id), state, beat["received_at"], beat["count"], last, tuple(alerts))


@dataclass(frozen=True)
class Fleet:
    stations: list[Station]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(s.state for s in self.stations)
        return {state: counted.get(state, 0) for state in STATES}

    @property
    def cities(self) -> list[str]:
        return sorted({s.city for s in self.stations})

    @property
    def alerts(self) -> list[Alert]:
        return [a for s in self.stations for a in s.alerts]

    def filtered(self, city: str = "", state: str = "") -> list[Station]:
        """The stations matching the filters, the worst first, then by id."""
        chosen = [s for s in self.stations if (not city or s.city == city) and (not state or s.state == state)]
        return sorted(chosen, key=lambda s: (SEVERITY[s.state], s.kiosk_id))


def fleet(heartbeats: Iterable[dict[str, Any]], help_requests: Iterable[dict[str, Any]], now: datetime,
          rules: FleetRules) -> Fleet:
    helped = Counter(h["kiosk_id"] for h in help_requests)
    return Fleet([station(b, helped.get(b["kiosk_id"], 0), now, rules) for b in heartbeats])


def help_since(now: datetime, rules: FleetRules) -> datetime:
    return now - timedelta(seconds=rules.help_window_s)


def catalog_use(stations: Iterable[Station]) -> dict[str, dict[tuple[int, str], list[str]]]:
    """Issuer region -> (version, state) -> the stations holding it, from their heartbeats."""
    use: dict[str, dict[tuple[int, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for s in stations:
        for c in s.last.get("catalogs") or []:
            if isinstance(c, dict) and isinstance(c.get("region"), str) and isinstance(c.get("version"), int):
                use[c["region"]][(c["version"], str(c.get("state", "")))].append(s.kiosk_id)
    return {region: dict(sorted(v.items())) for region, v in sorted(use.items())}


def cases_by_region(counts: Iterable[tuple[str, str, int]], region_of: dict[str, str]) -> dict[str, dict[str, int]]:
    """Owning region -> status -> how many. A submission's owner is its kiosk's region (the
    one its heartbeat reports) until the wire carries `owner_region`."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for kiosk_id, status, n in counts:
        out[region_of.get(kiosk_id, "?")][status] += n
    return {region: dict(sorted(c.items())) for region, c in sorted(out.items())}
