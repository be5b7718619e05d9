"""What technician mode can do, as plain code: the screens only show and collect.

Every action touches the technician session (it is activity) and is written to the audit
trail with a data-free detail. Nothing here returns a citizen's data: the card test reports
the document kind only, the camera test the frame size, the queue views counts and reason
codes, the export writes records that stay sealed to the platform's key.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.errors import DeviceError
from devices.printer.base import ReceiptPrinter
from devices.printer.self_test import print_self_test
from kiosk.technician.gate import TechnicianGate
from kiosk.health.supervisor import DeviceHealth, Supervisor
from offline_queue import handcarry
from offline_queue.api import QueueCounts, RecordState
from offline_queue.audit import AuditRecord, AuditTrail
from offline_queue.catalog_bundle import BundleRejected, VerifiedBundle, verify_bundle

log = logging.getLogger(__name__)


class _Record(Protocol):
    submission_id: str
    attachments: tuple[Any, ...]

    def body(self, kiosk_id: str) -> bytes: ...


class _Snapshot(Protocol):
    version: int
    region: str
    effective_from: dt.datetime
    expires_at: dt.datetime | None

    def expired(self, now: dt.datetime) -> bool: ...


class _CatalogSlots(Protocol):
    def active(self, now: dt.datetime | None = None) -> _Snapshot | None: ...

    def staged(self) -> _Snapshot | None: ...

    def install(self, bundle: Any) -> str: ...


class TechnicianOutbox(Protocol):
    """The parts of `offline_queue.outbox.Outbox` technician mode uses."""

    catalog: _CatalogSlots

    def counts(self) -> QueueCounts: ...

    def retry(self, submission_id: str) -> RecordState: ...

    def undelivered(self) -> Iterator[_Record]: ...

    def attachment_data(self, record: Any, sha256: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class CatalogView:
    """Active and staged catalog versions with their dates (None when there is none);
    `active_expired`: the active one's `expires_at` has passed, so no service is offered."""

    active_version: int | None
    active_effective_from: str
    active_expires_at: str
    active_expired: bool
    staged_version: int | None
    staged_effective_from: str


@dataclass(frozen=True, slots=True)
class DeviceTest:
    """A device test's outcome: ok or not, and a data-free detail (on failure, the error's
    type and message)."""

    ok: bool
    detail: str

    @property
    def line(self) -> str:
        """What the technician screen shows."""
        return self.detail if self.ok else f"failed: {self.detail}"


@dataclass(frozen=True, slots=True)
class InstallResult:
    file: str
    outcome: str  # applied | staged | ignored | rejected:<reason> (BundleRejected's; `invalid`: fails the validator)
    version: int | None = None


def utc_minute(value: dt.datetime | None) -> str:
    """A time as technicians and `doctor` read it: UTC to the minute ("" for none)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


#: Exit status of the station after a technician left kiosk mode. The systemd units list it
#: in `RestartPreventExitStatus=`, so the station stays stopped for maintenance instead of
#: being restarted at once (`systemctl start kiosk-station` or a reboot brings it back).
LEFT_KIOSK_EXIT_CODE = 64


class NotLoggedIn(PermissionError):
    """A technician action without an open technician session."""


class Operator(Protocol):
    """Who performs technician actions: a data-free label for the audit trail."""

    def who(self) -> str:
        """The label; raises `NotLoggedIn` when nobody may act now. Calling it is activity."""


class GateSession:
    """The touch screen: whoever logged in at the gate (badge or PIN), while logged in.

    The screens close when the session ends, but a screen left behind (a dialog open at the
    idle expiry) must not keep working on its own.
    """

    def __init__(self, gate: TechnicianGate) -> None:
        self._gate = gate

    def who(self) -> str:
        session = self._gate.session
        if session is None:
            raise NotLoggedIn("no technician session: log in again")
        self._gate.touch()
        return session.who


class Console:
    """The command line on the station: the shell's user, who already has the station's files."""

    def __init__(self, user: str) -> None:
        self._label = f"console:{user}"[:64]

    def who(self) -> str:
        return self._label


class TechnicianOps:
    """The technician's tools; the composition root builds one and hands it to the UI."""

    def __init__(
        self,
        *,
        gate: TechnicianGate,
        operator: Operator | None = None,
        supervisor: Supervisor,
        audit: AuditTrail,
        outbox: TechnicianOutbox,
        card: CardReader,
        camera: Camera,
        printer: ReceiptPrinter,
        station_id: str,
        region: str,
        trusted_admin_keys: dict[str, str],
        export_dir: str = "/media/kiosk-usb",
        leave: Callable[[], None] = lambda: None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.gate = gate
        self.operator = operator or GateSession(gate)
        self.supervisor = supervisor
        self.audit = audit
        self.outbox = outbox
        self.card = card
        self.camera = camera
        self.printer = printer
        self.station_id = station_id
        self.region = region
        self.trusted_admin_keys = dict(trusted_admin_keys)
        self.export_dir = export_dir
        self._leave = leave
        self._now = now

    def _active(self) -> str:
        """Who acts (and that is activity); refuses when nobody may."""
        return self.operator.who()

    def _record(self, action: str, **detail: str | int | float | bool | None) -> None:
        self.audit.append("technician", action, {"who": self._active(), **detail})

    # --- devices --------------------------------------------------------------------

    def devices(self) -> list[DeviceHealth]:
        self._active()
        return self.supervisor.all_health()

    def test_card(self) -> DeviceTest:
        """Read the card on the reader and report only what kind it is (or why it failed)."""
        def read() -> str:
            if not self.card.card_present():
                return "no card on the reader"
            identity = self.card.read_identity()
            kind = identity.kind.value
            del identity  # a citizen's card may be used to test: drop it at once
            return f"read ok: {kind}"

        return self._device_test("card", read)

    def test_camera(self) -> DeviceTest:
        def frame() -> str:
            latest = self.camera.latest(timeout=2.0)
            height, width = latest.image.shape[:2]
            return f"frame {width}x{height} (#{latest.seq})"

        return self._device_test("camera", frame)

    def test_printer(self) -> DeviceTest:
        """The one test page (`devices.printer.self_test`), as `run_kiosk.py printer test` prints it."""
        def page() -> str:
            print_self_test(self.printer, self.station_id)
            return "test page printed"

        return self._device_test("printer", page)

    def _device_test(self, device: str, run: Callable[[], str]) -> DeviceTest:
        self._active()
        try:
            outcome = DeviceTest(True, run())
        except DeviceError as exc:
            outcome = DeviceTest(False, f"{type(exc).__name__}: {exc}")
        self._record("device_test", device=device, result=outcome.line[:120])
        return outcome

    def reprobe(self) -> list[DeviceHealth]:
        self._active()
        return self.supervisor.probe_once()

    # --- queue ----------------------------------------------------------------------

    def queue_counts(self) -> QueueCounts:
        self._active()
        return self.outbox.counts()

    def retry(self, submission_id: str) -> RecordState:
        """Make one quarantined or backing-off record due now; its state before. KeyError: unknown."""
        self._active()
        before = self.outbox.retry(submission_id)
        self._record("queue_retry", submission=submission_id, was=before.value)
        return before

    def retry_all(self) -> int:
        """Make every undelivered record (quarantined or backing off) due now."""
        self._active()
        ids = [record.submission_id for record in self.outbox.undelivered()]
        for submission_id in ids:
            try:
                self.outbox.retry(submission_id)
            except KeyError:  # delivered and purged meanwhile
                pass
        self._record("queue_retry", count=len(ids))
        return len(ids)

    def export_sealed(self, directory: str | Path) -> tuple[int, Path]:
        """Copy every undelivered record, still sealed, to a new folder in `directory`, in the
        one hand-carry format (`offline_queue.handcarry`). Records stay in the queue."""
        self._active()
        done = handcarry.export(self.outbox, directory, self.station_id, self._now())
        self._record("export", records=done.records, directory=done.path.name)
        return done.records, done.path

    # --- catalog --------------------------------------------------------------------

    def catalog_view(self) -> CatalogView:
        self._active()
        now = self._now()
        active, staged = self.outbox.catalog.active(now), self.outbox.catalog.staged()
        return CatalogView(
            active.version if active else None,
            utc_minute(active.effective_from) if active else "",
            utc_minute(active.expires_at) if active else "",
            active is not None and active.expired(now),
            staged.version if staged else None,
            utc_minute(staged.effective_from) if staged else "",
        )

    def install_bundles(self, directory: str | Path) -> list[InstallResult]:
        """Verify every `*.json` bundle in `directory`, then install the good ones by version.

        Verification includes the catalog validator (`verify_bundle`), so a signed catalog the
        station could not show is refused (`rejected:invalid`) and the running one stays.

        All are checked against the versions installed before this call, then installed in
        ascending version order, so "v10" is not refused for coming after "v9" by file name
        and a current bundle plus a future one end up active and staged.
        """
        self._active()
        base = Path(directory)
        if not base.is_dir():
            raise FileNotFoundError(f"{base} is not a mounted directory")
        slots = self.outbox.catalog
        current = max((s.version for s in (slots.active(), slots.staged()) if s is not None), default=0)
        checked = [(path, self._verify_one(path, current)) for path in sorted(base.glob("*.json"))]
        results = []
        for path, outcome in sorted(checked, key=_refusals_then_by_version):
            if isinstance(outcome, InstallResult):
                result = outcome
            else:
                result = InstallResult(path.name, slots.install(outcome), outcome.version)
            results.append(result)
            self._record("catalog_install", file=path.name[:80], outcome=result.outcome, version=result.version)
        return results

    def _verify_one(self, path: Path, current: int) -> VerifiedBundle | InstallResult:
        """The verified bundle, or the refusal to report."""
        try:
            bundle = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return InstallResult(path.name, "rejected:malformed")
        try:
            return verify_bundle(
                bundle, trusted_keys=self.trusted_admin_keys, region=self.region,
                current_version=current, now=self._now(),
            )
        except BundleRejected as exc:
            return InstallResult(path.name, f"rejected:{exc.reason}")

    # --- events and leaving -----------------------------------------------------------

    def recent_events(self, limit: int = 30) -> list[AuditRecord]:
        self._active()
        return self.audit.recent(limit)

    def leave_kiosk(self) -> None:
        """Record it, end the session, then let the app exit (systemd decides what follows)."""
        self._record("leave_kiosk")
        self.gate.logout()
        self._leave()


def _refusals_then_by_version(item: tuple[Path, VerifiedBundle | InstallResult]) -> int:
    return item[1].version if isinstance(item[1], VerifiedBundle) else -1

