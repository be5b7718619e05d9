"""The station the citizen UI runs on, built from config; running it, alone or as the demo."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from devices.camera.mrz_read import MrzReader
from devices.errors import DeviceError, FaceCheckUnavailable, MrzUnreadable
from kiosk.bootstrap import parts
from kiosk.bootstrap.doctor import private_paths
from kiosk.bootstrap.technician import build_technician_stack
from kiosk.config import Config
from kiosk.health.systemd import SdNotifier
from kiosk.station import DailyReceiptNumbers, FaceCheck, SessionSettings, Station, StationInfo
from offline_queue.api import QueueError
from offline_queue.filemodes import private_dir, private_file, tighten

log = logging.getLogger(__name__)


@contextmanager
def build_station(config: Config) -> Iterator[Station]:
    """Build every part from config; release them all on exit, whatever happened."""
    with ExitStack() as stack:
        outbox = parts.outbox(config)
        stack.callback(outbox.close)
        card, camera, printer = parts.card_reader(config), parts.camera(config), parts.printer(config)
        voice = parts.audio(config)
        stack.callback(voice.close)
        camera.start()  # before the first probe, so a healthy camera is not reported down
        stack.callback(camera.stop)
        catalog = parts.ActiveCatalog(outbox)
        tech = build_technician_stack(
            config, card=card, camera=camera, printer=printer, outbox=outbox, catalog=catalog, audio=voice
        )
        stack.callback(tech.close)
        tech.start()
        demo_cards, demo_documents = _demo_controls(config, card, camera)
        mrz_reader = _mrz_reader()
        if mrz_reader is not None:
            stack.callback(mrz_reader.close)
        yield Station(
            card=card,
            camera=camera,
            printer=printer,
            voice=voice,
            outbox=outbox,
            catalog=catalog,
            info=StationInfo(
                station_id=config.station.id,
                name=config.station.name,
                address=config.station.address,
                hotline=config.station.hotline,
                status_url_base=config.station.status_url,
            ),
            next_receipt_number=DailyReceiptNumbers(outbox, config.station.id),
            session=SessionSettings(
                idle_timeout_s=config.session.idle_timeout_s,
                warning_s=config.session.warning_s,
                end_on_card_removal=config.session.end_on_card_removal,
                elderly_idle_factor=config.session.elderly_idle_factor,
                default_language=config.session.default_language,
            ),
            kiosk_mode=config.session.kiosk_mode,
            unavailable=tech.supervisor.unavailable_kinds,
            new_tracker=parts.tracker_factory(config),
            demo=demo_cards,
            demo_documents=demo_documents,
            technician=tech.ops,
            systemd=SdNotifier(),  # READY=1 and watchdog pings for the Type=notify unit
            check_devices=tech.supervisor.probe_once,
            face=_face_check(config),
            mrz_reader=mrz_reader,
        )


def _face_check(config: Config) -> FaceCheck | None:
    """The face check, only when `[face_camera]` sets something (at least `backend`) and its
    engine runs on this machine; otherwise None and face-checked services are not offered.
    The camera is started by the check step, after the citizen's consent."""
    settings = config.face_camera
    if not settings.model_fields_set:
        return None
    try:
        engine = parts.face_engine(config)
    except FaceCheckUnavailable as exc:  # a CPU without AVX, a missing model: the reason, for technicians
        log.warning("%s; face-checked services are not offered", exc)
        return None
    return FaceCheck(parts.face_camera(config), engine, threshold=settings.threshold, turns=settings.turns,
                     turn_yaw=settings.turn_yaw, timeout_s=settings.timeout_s)


def _mrz_reader() -> MrzReader | None:
    """The camera's MRZ reader for passports (None: its model is missing; passport holders type)."""
    try:
        return MrzReader()
    except MrzUnreadable as exc:
        log.warning("%s; passport holders type the MRZ instead", exc)
        return None


def _demo_controls(config: Config, card: object, camera: object) -> tuple[object, object]:
    """The demo's sample-card and sample-page buttons, only in demo mode (never in production)."""
    if not config.session.demo:
        return None, None
    from kiosk.demo.controls import demo_cards, demo_documents

    return demo_cards(card), demo_documents(camera)  # type: ignore[arg-type]


def _log_to_file(config: Config) -> None:
    """The TUI owns the terminal: logs go to a file (never citizens' data, see DESIGN.md).

    `force`: python-escpos calls `logging.basicConfig()` when it is imported, which gave the
    root logger a stderr handler first; without it this call did nothing and the station's
    warnings went to the terminal under the UI instead of into the file."""
    log_dir = private_dir(private_dir(config.resolve(config.station.data_dir)) / "log")
    logging.basicConfig(
        filename=private_file(log_dir / "station.log"),  # 0600 before the handler opens it
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run_station(config: Config) -> int:
    from kiosk.ui.app import KioskApp  # the UI is imported only when it runs

    _log_to_file(config)
    for path in private_paths(config):  # files an older build left readable to others
        tighten(path)
    try:
        with build_station(config) as built:
            app = KioskApp(built)
            app.run()
    except (QueueError, DeviceError) as exc:
        print(f"station: {exc}", file=sys.stderr)
        return 1
    return app.return_code or 0  # 64: a technician left kiosk mode (systemd keeps it stopped)


def run_demo(config: Config) -> int:
    """Hub and sync daemon in the background (`kiosk.demo.processes`), then the station."""
    from kiosk.demo import processes

    try:
        with processes.background(config) as notes:
            for line in notes:
                print(f"demo: {line}", file=sys.stderr)
            return run_station(config)
    except processes.DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
