"""The composition root: the ONE place that reads config and builds devices, queue and app.

Nothing else in the station constructs a backend from configuration; screens, the
supervisor and the CLI receive what they need from here.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from devices.camera.factory import build_camera, build_tracker
from devices.card.factory import build_card_reader
from devices.errors import DeviceError
from devices.printer.factory import build_printer
from kiosk.config import Config
from kiosk.demo.controls import demo_cards, demo_documents
from kiosk.domain.catalog import Catalog
from kiosk.fleet import build_technician_stack
from kiosk.station import (
    DailyReceiptNumbers,
    SessionSettings,
    Station,
    StationInfo,
)
from kiosk.technician.credentials import verify_pin
from offline_queue.api import QueueError
from offline_queue.audit import AuditError, verify_database
from offline_queue.outbox import Outbox
from kiosk.health.systemd import SdNotifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One line of `doctor`."""

    name: str
    ok: bool
    detail: str


def open_outbox(config: Config) -> Outbox:
    """The station's queue, as [queue] configures it (sealing to the platform's key)."""
    return Outbox.from_settings(config.queue, config.resolve(config.queue.db_path))


class ActiveCatalog:
    """The catalog the station runs: the queue database's active signed bundle.

    Parsed once per version; `None` until the sync daemon (or a technician) installed one.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._cached: Catalog | None = None

    def __call__(self) -> Catalog | None:
        snapshot = self._outbox.catalog.active()
        if snapshot is None:
            return None
        if self._cached is None or self._cached.version != snapshot.version:
            self._cached = Catalog.model_validate(snapshot.payload)
        return self._cached


def _pin_verifier(config: Config) -> Callable[[str], bool]:
    pin_hash = config.technician.pin_hash
    if not pin_hash:
        return lambda pin: False  # no PIN configured: leaving by PIN is impossible
    return lambda pin: verify_pin(pin_hash, pin)


@contextmanager
def station(config: Config) -> Iterator[Station]:
    """Build every part from config; release them all on exit, whatever happened."""
    with ExitStack() as stack:
        outbox = open_outbox(config)
        stack.callback(outbox.close)
        card = build_card_reader(config.card)
        camera = build_camera(config.camera)
        printer = build_printer(config.printer)
        camera.start()  # before the first probe, so a healthy camera is not reported down
        stack.callback(camera.stop)
        catalog = ActiveCatalog(outbox)
        tech = build_technician_stack(
            config, card=card, camera=camera, printer=printer, outbox=outbox, catalog=catalog
        )
        stack.callback(tech.close)
        tech.start()
        yield Station(
            card=card,
            camera=camera,
            printer=printer,
            outbox=outbox,
            catalog=catalog,
            info=StationInfo(
                station_id=config.station.id,
                name=config.station.name,
                address=config.station.address,
                hotline=config.station.hotline,
                status_url_base=config.station.status_url,
            ),
            verify_pin=_pin_verifier(config),
            next_receipt_number=DailyReceiptNumbers(outbox, config.station.id),
            session=SessionSettings(
                idle_timeout_s=config.session.idle_timeout_s,
                warning_s=config.session.warning_s,
                end_on_card_removal=config.session.end_on_card_removal,
                default_language=config.session.default_language,
            ),
            kiosk_mode=config.session.kiosk_mode,
            unavailable=tech.supervisor.unavailable_kinds,
            new_tracker=functools.partial(build_tracker, config.camera),
            demo=demo_cards(card) if config.session.demo else None,
            demo_documents=demo_documents(camera) if config.session.demo else None,
            technician=tech.ops,
            systemd=SdNotifier(),  # READY=1 and watchdog pings for the Type=notify unit
            check_devices=tech.supervisor.probe_once,
        )


def _log_to_file(config: Config) -> None:
    """The TUI owns the terminal: logs go to a file (never citizens' data, see DESIGN.md).

    `force`: python-escpos calls `logging.basicConfig()` when it is imported, which gave the
    root logger a stderr handler first; without it this call did nothing and the station's
    warnings went to the terminal under the UI instead of into the file."""
    log_dir = config.resolve(config.station.data_dir) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log_dir / "station.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run_station(config: Config) -> int:
    from kiosk.ui.app import KioskApp  # the UI is imported only when it runs

    _log_to_file(config)
    try:
        with station(config) as built:
            app = KioskApp(built)
            app.run()
    except (QueueError, DeviceError) as exc:
        print(f"station: {exc}", file=sys.stderr)
        return 1
    return app.return_code or 0  # 64: a technician left kiosk mode (systemd keeps it stopped)


def run_demo(config: Config) -> int:
    from kiosk.demo import processes as demo

    try:
        with demo.background(config) as notes:
            for line in notes:
                print(f"demo: {line}", file=sys.stderr)
            return run_station(config)
    except demo.DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


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


def _probe(name: str, build: Callable[[], object]) -> Check:
    try:
        device = build()
        return Check(name, True, device.probe())  # type: ignore[attr-defined]
    except DeviceError as exc:
        return Check(name, False, str(exc))


def _camera_check(config: Config) -> Check:
    """A camera is only healthy once it delivers a frame: start it, wait for one, stop it."""
    camera = build_camera(config.camera)
    try:
        camera.start()
        camera.latest(timeout=config.camera.frame_timeout_s)
        return Check("camera", True, camera.probe())
    except DeviceError as exc:
        return Check("camera", False, str(exc))
    finally:
        camera.stop()


def _queue_check(config: Config) -> Check:
    try:
        with open_outbox(config) as outbox:
            counts = outbox.counts()
            integrity = outbox.integrity_check()
    except QueueError as exc:
        return Check("queue", False, str(exc))
    ok = integrity == "ok"
    return Check("queue", ok, f"integrity {integrity}; {counts.pending} pending, {counts.quarantined} quarantined")


def _audit_check(config: Config) -> Check:
    path = config.resolve(Path(config.audit.db_path))
    if not path.exists():
        return Check("audit trail", True, f"{path} not created yet")
    try:
        report = verify_database(path)
    except AuditError as exc:
        return Check("audit trail", False, str(exc))
    if report.ok:
        return Check("audit trail", True, f"{report.count} records, chain intact")
    return Check("audit trail", False, f"record {report.bad_seq}: {report.reason}")


def doctor_checks(config: Config) -> list[Check]:
    """Every self-check, in order: config, storage, queue, audit trail, then each device."""
    return [
        Check("config", True, str(config.path)),
        _data_dir_check(config),
        _queue_check(config),
        _audit_check(config),
        _probe("card reader", lambda: build_card_reader(config.card)),
        _camera_check(config),
        _probe("printer", lambda: build_printer(config.printer)),
    ]
