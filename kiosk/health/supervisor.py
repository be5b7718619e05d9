"""Device supervisor: probe each device, keep its state, decide which services can run.

A station runs for weeks without staff. The supervisor probes every device on a timer
(through its Protocol: `probe()` for the card reader and camera, `status()` for the
printer), keeps one `DeviceHealth` per device (ok | degraded | down, with a data-free
detail and, for the printer, the paper level), and answers `available(service)` from the
config policy: a dead camera disables only the services that need documents, a dead reader
disables identification (so every service), a dead printer either keeps submissions open
with the receipt number on screen or refuses them. A printer whose paper is near its end is
degraded but usable, unless `[printer] paper_low_policy = "block"`: then it counts as down
for new sessions, exactly like paper out. When a device comes back the next probe
sees it and everything re-enables itself; listeners hear about each change (the UI
`post_message`s them), and each round rewrites the metrics file.

Probes run on worker threads with a deadline: a device that hangs counts as down and is not
probed again until its hung call returns, so one wedged driver cannot stall the others.
No textual here: the UI and the heartbeat read this object.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from devices.audio.base import Speaker
from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.card.composite import CompositeCardReader, describe
from devices.errors import DeviceError
from devices.printer.base import PaperState, PrinterState, ReceiptPrinter
from kiosk.domain.catalog import Service
from kiosk.domain.flow import devices_needed
from kiosk.health.settings import PolicySettings

log = logging.getLogger(__name__)

CARD, CAMERA, PRINTER, AUDIO = "card", "camera", "printer", "audio"
FACE_CAMERA = "face_camera"


class DeviceState(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but needs attention soon (paper low)
    DOWN = "down"
    UNKNOWN = "unknown"  # not probed yet: treated as usable so a slow first probe blocks nothing


@dataclass(frozen=True, slots=True)
class Reading:
    """What one probe found."""

    state: DeviceState
    detail: str
    paper: PaperState | None = None


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """A device's current state; `since` is the wall time (epoch s) of the last state change."""

    device: str
    state: DeviceState
    detail: str
    paper: PaperState | None
    since: float
    checked_at: float

    @property
    def usable(self) -> bool:
        return self.state is not DeviceState.DOWN

    def as_dict(self) -> dict[str, str]:
        out = {"state": self.state.value, "detail": self.detail}
        if self.paper is not None:
            out["paper"] = self.paper.value
        return out


Prober = Callable[[], Reading]
Listener = Callable[[DeviceHealth, DeviceHealth], None]  # (old, new)


def probe_plain(device: CardReader | Camera) -> Reading:
    """A reader or camera: `probe()` returns a detail or raises DeviceError."""
    try:
        return Reading(DeviceState.OK, device.probe())
    except DeviceError as exc:
        return Reading(DeviceState.DOWN, f"{type(exc).__name__}: {exc}")


def probe_card(card: CardReader) -> Reading:
    """The card reader; several readers are probed each: some down is degraded (the others
    still identify), all down is down. The detail names the readers, never a card's data."""
    if not isinstance(card, CompositeCardReader):
        return probe_plain(card)
    probes = card.probe_each()
    up = sum(p.up for p in probes)
    state = DeviceState.DOWN if not up else DeviceState.OK if up == len(probes) else DeviceState.DEGRADED
    return Reading(state, describe(probes))


_PRINTER_STATES = {
    PrinterState.OK: DeviceState.OK,
    PrinterState.PAPER_LOW: DeviceState.DEGRADED,
}


def probe_printer(printer: ReceiptPrinter) -> Reading:
    """The printer's DLE EOT status: paper low is degraded, anything that cannot print is down."""
    try:
        status = printer.status()
    except DeviceError as exc:
        return Reading(DeviceState.DOWN, f"{type(exc).__name__}: {exc}")
    state = _PRINTER_STATES.get(status.state, DeviceState.DOWN)
    detail = status.state.value + (f": {status.detail}" if status.detail else "")
    return Reading(state, detail, status.paper)


def probe_speaker(speaker: Speaker) -> Reading:
    """The voice: a speaker that cannot be heard is degraded, never down, because a silent
    station still serves everyone (the screens say all the voice says)."""
    try:
        return Reading(DeviceState.OK, speaker.probe())
    except DeviceError as exc:
        return Reading(DeviceState.DEGRADED, f"{type(exc).__name__}: {exc}")


def probers_for(
    card: CardReader | None = None,
    camera: Camera | None = None,
    printer: ReceiptPrinter | None = None,
    face_camera: Camera | None = None,
    audio: Speaker | None = None,
) -> dict[str, Prober]:
    """The standard probers for the station's devices (absent ones are skipped)."""
    probers: dict[str, Prober] = {}
    if card is not None:
        probers[CARD] = lambda: probe_card(card)
    if camera is not None:
        probers[CAMERA] = lambda: probe_plain(camera)
    if printer is not None:
        probers[PRINTER] = lambda: probe_printer(printer)
    if face_camera is not None:  # the camera facing the citizen: its own kind, its own state
        probers[FACE_CAMERA] = lambda: probe_plain(face_camera)
    if audio is not None:
        probers[AUDIO] = lambda: probe_speaker(audio)
    return probers


class _Call:
    """A call on its own daemon thread, waited for with a deadline.

    Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so one probe hung
    in a driver would keep the station from ever exiting (and systemd from restarting it).
    """

    def __init__(self, fn: Callable[[], Reading | None], name: str) -> None:
        self._fn = fn
        self._done = threading.Event()
        self.result: Reading | None = None
        self.error: BaseException | None = None
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as exc:  # reported to the waiter, never raised on this thread
            self.error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(max(0.0, timeout))


class Supervisor:
    """Probes devices, keeps their health, answers availability, notifies listeners."""

    def __init__(
        self,
        probers: dict[str, Prober],
        *,
        policy: PolicySettings | None = None,
        interval_s: float = 15.0,
        probe_timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        healers: dict[str, Callable[[], None]] | None = None,
        paper_low_policy: Literal["warn", "block"] = "warn",
    ) -> None:
        """`paper_low_policy` is `[printer] paper_low_policy`: "block" makes paper low count as down."""
        self._probers = dict(probers)
        self._policy = policy or PolicySettings()
        self._paper_low_blocks = paper_low_policy == "block"
        self._interval = interval_s
        self._timeout = probe_timeout_s
        self._clock = clock
        self._healers = dict(healers or {})
        self._lock = threading.Lock()
        now = clock()
        self._health = {
            name: DeviceHealth(name, DeviceState.UNKNOWN, "not probed yet", None, now, now) for name in probers
        }
        self._listeners: list[Listener] = []
        self._round_hooks: list[Callable[[], None]] = []
        self._pending: dict[str, _Call] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started_at = now

    # --- observation ------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """`listener(old, new)` runs on the supervisor's thread after each state change."""
        self._listeners.append(listener)

    def after_each_round(self, hook: Callable[[], None]) -> None:
        """Run `hook` after every probe round (the metrics writer uses this)."""
        self._round_hooks.append(hook)

    def health(self, device: str) -> DeviceHealth:
        with self._lock:
            return self._health[device]

    def all_health(self) -> list[DeviceHealth]:
        with self._lock:
            return list(self._health.values())

    def device_states(self) -> dict[str, dict[str, str]]:
        """For the heartbeat: {"printer": {"state": "degraded", "detail": ..., "paper": "low"}, ...}."""
        return {h.device: h.as_dict() for h in self.all_health()}

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Probe now; one (name, ok, detail) per device for `run_kiosk.py doctor`.

        Degraded counts as ok (it works) with the reason in the detail.
        """
        self.probe_once()
        return [
            (h.device, h.usable, f"{h.state.value}: {h.detail}" + (f" (paper {h.paper.value})" if h.paper else ""))
            for h in self.all_health()
        ]

    def uptime_s(self) -> float:
        return self._clock() - self.started_at

    # --- policy -----------------------------------------------------------------------

    def _usable(self, device: str) -> bool:
        with self._lock:
            health = self._health.get(device)
        return health is None or health.usable  # a device the station lacks cannot fail

    def needs(self, service: Service) -> set[str]:
        """Devices a service cannot run without, under the configured policy.

        Every service reads an identity (card) and documents need the camera, whatever the
        catalog's `requires` says. The printer is the policy's call for every service: with
        "allow_with_screen_receipt" the receipt number on screen stands in for the paper
        (catalogs list "printer" in `requires` for the receipt itself).
        """
        needed = {CARD, *devices_needed(service)} - {PRINTER}
        if self._policy.printer_down == "refuse":
            needed.add(PRINTER)
        return needed

    def unavailable_kinds(self) -> frozenset[str]:
        """Device kinds that are down and matter under the policy (`Station.unavailable`)."""
        down = {h.device for h in self.all_health() if not h.usable} - {AUDIO}  # a hung probe: still no service lost
        if self._policy.printer_down == "allow_with_screen_receipt":
            down.discard(PRINTER)
        return frozenset(down)

    def missing_for(self, service: Service) -> list[str]:
        """The needed devices that are down, sorted; empty when the service can run."""
        return sorted(d for d in self.needs(service) if not self._usable(d))

    def available(self, service: Service) -> bool:
        return not self.missing_for(service)

    def can_identify(self) -> bool:
        return self._usable(CARD)

    def receipt_on_screen(self) -> bool:
        """True when receipts cannot be printed and must be shown on screen instead."""
        return not self._usable(PRINTER)

    def available_services(self, services: Iterable[Service]) -> list[Service]:
        return [s for s in services if self.available(s)]

    # --- probing ----------------------------------------------------------------------

    def probe_once(self) -> list[DeviceHealth]:
        """Probe every device now (in parallel, each bounded by the probe timeout)."""
        submitted: dict[str, _Call] = {}
        readings: dict[str, Reading] = {}
        for name, prober in self._probers.items():
            previous = self._pending.get(name)
            if previous is not None and not previous.done():
                readings[name] = Reading(DeviceState.DOWN, f"probe still hung after {self._timeout:g} s")
                continue
            submitted[name] = self._pending[name] = _Call(prober, f"probe-{name}")
        deadline = time.monotonic() + self._timeout
        for name, call in submitted.items():
            if not call.wait(deadline - time.monotonic()):
                readings[name] = Reading(DeviceState.DOWN, f"probe timed out after {self._timeout:g} s")
            elif call.error is not None or call.result is None:  # a prober bug must not kill us
                kind = type(call.error).__name__
                log.warning("probe of %s failed: %s", name, kind)
                readings[name] = Reading(DeviceState.DOWN, f"probe failed: {kind}")
            else:
                readings[name] = self._paper_policy(name, call.result)
        changed = [self._record(name, reading) for name, reading in readings.items()]
        for name, reading in readings.items():
            if reading.state is DeviceState.DOWN and name in self._healers:
                self._heal(name)
        for old, new in filter(None, changed):
            for listener in self._listeners:
                try:
                    listener(old, new)
                except Exception:
                    log.exception("device-state listener failed")
        for hook in self._round_hooks:
            try:
                hook()
            except Exception:
                log.exception("after-round hook failed")
        return self.all_health()

    def _paper_policy(self, name: str, reading: Reading) -> Reading:
        """Under "block", a printer whose paper is near its end is down for new sessions.

        Down, not a separate flag: then everything that follows paper out (the
        `printer_down` policy, the receipt on screen, the heartbeat, `doctor`) follows it too.
        """
        paper_low = reading.state is DeviceState.DEGRADED and reading.paper is PaperState.LOW
        if name == PRINTER and paper_low and self._paper_low_blocks:
            return Reading(DeviceState.DOWN, f"{reading.detail} (paper_low_policy = block)", reading.paper)
        return reading

    def _record(self, name: str, reading: Reading) -> tuple[DeviceHealth, DeviceHealth] | None:
        now = self._clock()
        with self._lock:
            old = self._health[name]
            changed = (old.state, old.paper) != (reading.state, reading.paper)
            new = replace(
                old,
                state=reading.state,
                detail=reading.detail,
                paper=reading.paper,
                since=now if changed else old.since,
                checked_at=now,
            )
            self._health[name] = new
        if changed:
            log.info("device %s: %s -> %s (%s)", name, old.state.value, new.state.value, new.detail)
            return old, new
        return None

    def _heal(self, name: str) -> None:
        """Try the device's recovery action (e.g. reopen the camera); failures are expected."""
        call = _Call(self._healers[name], f"heal-{name}")
        if not call.wait(self._timeout):
            log.warning("recovery of %s timed out", name)
        elif call.error is not None:
            log.info("recovery of %s failed: %s", name, type(call.error).__name__)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Probe once now, then every interval on a daemon thread."""
        if self._thread is not None:
            return
        self.probe_once()
        self._thread = threading.Thread(target=self._loop, name="device-supervisor", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.probe_once()

    def stop(self) -> None:
        """Stop probing; idempotent. Hung probe threads are abandoned (they are daemons)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 1)
            self._thread = None
