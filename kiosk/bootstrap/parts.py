"""Single parts built from config: what a CLI command needs one of, and what the rest is made of."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from devices.audio.base import Speaker
from devices.audio.factory import build_speaker
from devices.camera.base import Camera, DocKind
from devices.camera.factory import build_camera, build_tracker
from devices.camera.tracker import CaptureTracker
from devices.card.base import CardReader
from devices.card.factory import build_card_reader
from devices.face.base import FaceCamera
from devices.face.factory import build_engine, build_face_camera
from devices.printer.base import ReceiptPrinter
from devices.printer.factory import build_printer
from kiosk.config import Config
from kiosk.domain.catalog import Catalog, validate_catalog
from kiosk.technician.ops import utc_minute
from offline_queue.api import QueueError
from offline_queue.audit import AuditTrail
from offline_queue.outbox import Outbox

if TYPE_CHECKING:
    from devices.face.engine import FaceEngine  # dlib loads only when an engine is built


def card_reader(config: Config) -> CardReader:
    """The card reader(s) `[card]` configures; nothing is opened until `start()`."""
    return build_card_reader(config.card)


def camera(config: Config) -> Camera:
    """The document camera `[camera]` configures, not yet started."""
    return build_camera(config.camera)


def face_camera(config: Config) -> FaceCamera:
    """The camera facing the citizen `[face_camera]` configures, not yet started."""
    return build_face_camera(config.face_camera)


def face_engine(config: Config) -> FaceEngine:
    """Face detection, landmarks and embeddings with `[face_camera]`'s settings; raises
    FaceCheckUnavailable (with the reason) where this CPU or install cannot run them."""
    return build_engine(config.face_camera)


def tracker_factory(config: Config) -> Callable[[DocKind], CaptureTracker]:
    """A fresh capture tracker per page, with `[camera]`'s gates and timing."""
    return functools.partial(build_tracker, config.camera)


def printer(config: Config) -> ReceiptPrinter:
    """The receipt printer `[printer]` configures; nothing is opened until used."""
    return build_printer(config.printer)


def audio(config: Config) -> Speaker:
    """The speaker `[audio]` configures for voice guidance; nothing runs until it first speaks."""
    return build_speaker(config.audio)


def outbox(config: Config) -> Outbox:
    """The station's queue, as [queue] configures it (sealing to the platform's key).

    Before the station is provisioned there is no key: the queue still opens, so that
    `queue status`, `doctor` and receipts work, but nothing can be sealed into it.
    """
    settings = config.queue
    path = config.resolve(settings.db_path)
    if settings.sealing_public_key is not None:
        return Outbox.from_settings(settings, path)
    return Outbox.open(
        path,
        NoSealingKey(settings.sealing_key_id),  # type: ignore[arg-type]
        min_free_bytes=settings.min_free_bytes,
        lease_seconds=settings.lease_seconds,
        retention_days=settings.retention_days,
    )


class NoSealingKey:
    """Stands in for the `Sealer` while `queue.sealing_public_key` is unset.

    The outbox asks for the sealed size before it seals or writes anything, so an enqueue is
    refused there with a QueueError (which the audit trail's forwarding already waits out).
    """

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id

    def sealed_size(self, plaintext_size: int) -> int:
        raise self._refusal()

    def seal(self, plaintext: bytes) -> bytes:
        raise self._refusal()

    @staticmethod
    def _refusal() -> QueueError:
        return QueueError("nothing can be queued: queue.sealing_public_key (the platform's sealing key) is not set")


def audit_trail(config: Config, outbox: Outbox | None) -> AuditTrail:
    """The hash-chained audit trail; its records are forwarded through `outbox` when given."""
    return AuditTrail(
        config.resolve(Path(config.audit.db_path)),
        sink=outbox.enqueue if outbox is not None else None,
        kiosk_id=config.station.id,
    )


class ActiveCatalog:
    """The catalog the station offers: the queue database's active signed bundle, while valid.

    Asked at each session start (the choose screen): `None` when nothing is installed yet, once
    `expires_at` has passed (no restart needed) and for a stored payload that fails the
    validator (installed by an older release): a citizen then sees "no services", never a
    crash. `status()` says which, for `doctor` and the technician. Parsed once per version.
    """

    def __init__(self, outbox: Outbox, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._outbox = outbox
        self._clock = clock
        self._parsed: tuple[int, Catalog | None, int] | None = None  # version, catalog, error count

    def __call__(self) -> Catalog | None:
        return self._current()[0]

    def status(self) -> tuple[bool, str]:
        """(False when the installed catalog is unusable: expired or invalid; one line why).

        None installed yet is not a fault: a new station gets its catalog at its first pull."""
        return self._current()[1:]

    def _current(self) -> tuple[Catalog | None, bool, str]:
        now = self._clock()
        snapshot = self._outbox.catalog.active(now)
        if snapshot is None:
            return None, True, "no catalog installed yet (the sync daemon pulls it): no services offered"
        if snapshot.expired(now):
            return None, False, f"catalog v{snapshot.version} expired at {utc_minute(snapshot.expires_at)}: no services offered"
        if self._parsed is None or self._parsed[0] != snapshot.version:
            errors = validate_catalog(snapshot.payload)
            self._parsed = (snapshot.version, None if errors else Catalog.model_validate(snapshot.payload), len(errors))
        _, catalog, errors = self._parsed
        if catalog is None:
            return None, False, f"catalog v{snapshot.version} fails validation ({errors} errors): no services offered"
        until = f"until {utc_minute(snapshot.expires_at)}" if snapshot.expires_at else "without expiry"
        return catalog, True, f"catalog v{snapshot.version} active {until}, {len(catalog.services)} services"
