"""Everything the citizen UI needs from the station, in one small frozen object.

The composition root (`kiosk.bootstrap`) builds the devices, the outbox and the catalog
source from config and hands them over as a `Station`; the UI never reads config, never
builds a device and never imports the bootstrap. Tests build a `Station` from simulated
devices and a real outbox in a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from devices.audio.base import Speaker
from devices.camera.base import Camera, DocKind
from devices.camera.tracker import CaptureTracker
from devices.card.base import CardReader
from devices.face.base import FaceCamera
from devices.face.reference import decode_photo
from devices.face.session import FaceSession
from devices.printer.base import ReceiptPrinter
from kiosk.domain.catalog import Catalog
from kiosk.domain.help_request import HelpRequest
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt_number import make_receipt_number
from offline_queue.api import DeliveryStatus, Enqueued, FlagStore, NewSubmission
from kiosk.health.systemd import SdNotifier

if TYPE_CHECKING:
    from devices.camera.mrz_read import MrzReader
    from devices.face.engine import FaceEngine
    from kiosk.demo.controls import DemoCards, DemoDocuments
    from kiosk.technician.ops import TechnicianOps

#: The station's screen in terminal cells; layouts and snapshot tests are made for it.
STATION_SIZE = (100, 30)


class SubmissionOutbox(Protocol):
    """The part of `offline_queue.outbox.Outbox` the UI uses."""

    def enqueue(self, submission: NewSubmission) -> Enqueued:
        """Seal and store in one transaction; raises `offline_queue.api.QueueFull`."""

    def status(self, submission_id: str) -> DeliveryStatus:
        """Where one submission is: still queued here, or received upstream."""


@dataclass(frozen=True)
class StationInfo:
    """What a citizen and the receipt see about this station."""

    station_id: str
    name: str
    address: str
    hotline: str
    status_url_base: str  # the receipt's QR code is this + submission id


@dataclass(frozen=True)
class SessionSettings:
    """Session safety and language, as config.toml's [session] section says."""

    idle_timeout_s: float = 90.0  # no touch for this long: the countdown banner appears
    warning_s: float = 20.0  # the countdown's length; at zero the session is wiped
    end_on_card_removal: bool = False
    default_language: Lang = Lang.ZH_HANS
    done_return_s: float = 30.0  # the done screen returns to attract after this long
    elderly_idle_factor: float = 3.0  # elderly mode (长辈模式) waits this many times as long

    def idle_timeout_for(self, elderly: bool) -> float:
        """How long without a touch before the warning: longer for the elderly."""
        return self.idle_timeout_s * (self.elderly_idle_factor if elderly else 1.0)


@dataclass(frozen=True)
class FaceCheck:
    """The face check (人证核验) a station can do: the camera facing the citizen, the engine
    and `[face_camera]`'s settings. The check step starts the camera only after consent and
    stops it when the check ends."""

    camera: FaceCamera
    engine: FaceEngine
    threshold: float
    turns: int = 2
    turn_yaw: float = 0.18
    timeout_s: float = 25.0
    rng: random.Random | None = None  # the challenge's turn order (None: the system's randomness)

    def session(self, photo: bytes) -> FaceSession:
        """A check against the document photo `photo`; raises ReferencePhotoUnusable."""
        return FaceSession(self.engine, decode_photo(photo), threshold=self.threshold, turns=self.turns,
                           turn_yaw=self.turn_yaw, rng=self.rng)


@dataclass(frozen=True)
class Station:
    """The devices, queue and settings the citizen flow runs on."""

    card: CardReader
    camera: Camera
    printer: ReceiptPrinter
    outbox: SubmissionOutbox
    catalog: Callable[[], Catalog | None]  # the active catalog (None: none installed yet), asked at each session start
    info: StationInfo
    technician: TechnicianOps  # technician mode (F12, five taps): badge or PIN with lockout, every action audited
    next_receipt_number: Callable[[], str]  # a fresh receipt number for each submission
    session: SessionSettings = field(default_factory=SessionSettings)
    #: A fresh tracker per page to capture; wire `partial(build_tracker, cfg.camera)`.
    new_tracker: Callable[[DocKind], CaptureTracker] = CaptureTracker
    kiosk_mode: bool = True  # False (development): Ctrl+Q quits without the PIN
    unavailable: Callable[[], frozenset[str]] = frozenset  # device kinds now down: "printer", ...
    demo: DemoCards | None = None
    demo_documents: DemoDocuments | None = None
    systemd: SdNotifier | None = None  # READY=1 once the UI is up, WATCHDOG=1 from its event loop
    check_devices: Callable[[], object] = lambda: None  # probe every device now (blocking; run off the UI)
    #: Where a citizen's call for help goes (blocking; run off the UI): the composition root
    #: queues it through the outbox as SERVICE_API 1.1 `POST /v1/kiosks/{id}/help`. None: the
    #: hotline is still shown, nothing is sent.
    help_requests: Callable[[HelpRequest], object] | None = None
    voice: Speaker | None = None  # voice guidance (None: this station has no speaker); speaks only when the session's voice is on
    #: The face check (None: no `[face_camera]`, or its engine cannot run here, and face-checked
    #: services are not offered).
    face: FaceCheck | None = None
    #: Reads a passport's MRZ off document-camera frames (None: the passport holder types it).
    mrz_reader: MrzReader | None = None


class DailyReceiptNumbers:
    """Receipt numbers `GZHZ0001-261123-042-K`: the day's sequence survives restarts.

    The sequence lives in the queue database's flags (one UI process per station asks, so
    a lock in this process is enough); it restarts at 1 each local day.
    """

    KEY = "receipt_sequence"

    def __init__(
        self,
        flags: FlagStore,
        station_id: str,
        timezone: str = "Asia/Shanghai",
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self._flags = flags
        self._station_id = station_id
        zone = ZoneInfo(timezone)
        self._today = today or (lambda: dt.datetime.now(zone).date())
        self._lock = threading.Lock()

    def __call__(self) -> str:
        day = self._today()
        with self._lock:
            stored_day, _, stored_seq = (self._flags.get_flag(self.KEY) or "").partition(":")
            sequence = int(stored_seq) + 1 if stored_day == day.isoformat() else 1
            self._flags.set_flag(self.KEY, f"{day.isoformat()}:{sequence}")
        return make_receipt_number(self._station_id, day, sequence)
