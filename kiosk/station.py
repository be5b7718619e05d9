"""Everything the citizen UI needs from the station, in one small frozen object.

The composition root (`kiosk.bootstrap`) builds the devices, the outbox and the catalog
source from config and hands them over as a `Station`; the UI never reads config, never
builds a device and never imports the bootstrap. Tests build a `Station` from simulated
devices and a real outbox in a temporary directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from devices.camera.base import Camera
from devices.card.base import CardReader, Identity
from devices.printer.base import ReceiptPrinter
from kiosk.domain.catalog import Catalog
from offline_queue.api import DeliveryStatus, Enqueued, NewSubmission

#: The station's screen in terminal cells; layouts and snapshot tests are made for it.
STATION_SIZE = (100, 30)


class SubmissionOutbox(Protocol):
    """The part of `offline_queue.store.Outbox` the UI uses."""

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
    """Session safety: idle countdown and what a card removal does."""

    idle_timeout_s: float = 90.0  # no touch for this long ends the session
    warning_s: float = 20.0  # the countdown banner shows for the last this many seconds
    end_on_card_removal: bool = True
    done_return_s: float = 30.0  # the done screen returns to attract after this long


@dataclass(frozen=True)
class DemoCards:
    """Demo mode only: sample documents a visitor can "tap" on the simulated reader."""

    samples: Mapping[str, Identity]  # label -> fictional identity
    insert: Callable[[Identity], None]  # the simulated reader's insert()
    remove: Callable[[], None]


@dataclass(frozen=True)
class Station:
    """The devices, queue and settings the citizen flow runs on."""

    card: CardReader
    camera: Camera
    printer: ReceiptPrinter
    outbox: SubmissionOutbox
    catalog: Callable[[], Catalog]  # the active catalog, asked at each session start
    info: StationInfo
    verify_pin: Callable[[str], bool]  # technician PIN check (hash compare lives elsewhere)
    session: SessionSettings = field(default_factory=SessionSettings)
    unavailable: Callable[[], frozenset[str]] = frozenset  # device kinds now down: "printer", ...
    demo: DemoCards | None = None


def load_demo_catalog() -> Catalog:
    """The bundled demo catalog (`kiosk/demo_catalog.json`), validated."""
    text = resources.files("kiosk").joinpath("demo_catalog.json").read_text(encoding="utf-8")
    return Catalog.model_validate(json.loads(text))
