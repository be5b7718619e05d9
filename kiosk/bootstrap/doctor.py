"""`run_kiosk.py doctor`: every self-check, one line each, for a technician installing a station."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.errors import DeviceError
from kiosk.bootstrap import parts
from kiosk.config import Config, missing_secrets, secrets_hint
from offline_queue.api import QueueError
from offline_queue.audit import AuditError, verify_database
from offline_queue.filemodes import looser_than, sqlite_files


@dataclass(frozen=True)
class Check:
    """One line of `doctor`."""

    name: str
    ok: bool
    detail: str


def _credentials_check(config: Config) -> Check:
    """The platform's secrets, all in ONE line: before provisioning they are all missing at once."""
    missing = missing_secrets(config)
    if missing:
        return Check("credentials", False, f"missing {', '.join(missing)}: {secrets_hint(config)}")
    return Check("credentials", True, "sealing key, token and catalog keys set")


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
    camera = parts.camera(config)
    try:
        camera.start()
        camera.latest(timeout=config.camera.frame_timeout_s)
        return Check("camera", True, camera.probe())
    except DeviceError as exc:
        return Check("camera", False, str(exc))
    finally:
        camera.stop()


def _queue_check(config: Config) -> Check:
    """SQLite's quick_check and the hashes of pending records (bounded, as in `queue status`)."""
    try:
        with parts.outbox(config) as outbox:
            counts = outbox.counts()
            report = outbox.check_pending()
    except QueueError as exc:
        return Check("queue", False, str(exc))
    detail = f"{report.line()}; {counts.pending} pending, {counts.quarantined} quarantined"
    if not report.ok:
        detail += " (queue export --salvage DIR copies out the intact records)"
    return Check("queue", report.ok, detail)


def private_paths(config: Config) -> list[Path]:
    """The station's files nobody else may read: data folder, queue and audit databases with
    their side files, the log folder and log, the lockout state, the secrets file."""
    data_dir = config.resolve(config.station.data_dir)
    audit = config.resolve(Path(config.audit.db_path))
    return [
        data_dir,
        *sqlite_files(config.resolve(config.queue.db_path)),
        *sqlite_files(audit),
        audit.with_name(audit.name + ".head"),
        data_dir / "log",
        data_dir / "log" / "station.log",
        config.resolve(Path(config.technician.lockout_state_path)),
        *([config.secrets_file] if config.secrets_file is not None else []),
    ]


def _file_mode_checks(config: Config) -> list[Check]:
    """One line per file or folder that group or others may read; one ok line otherwise."""
    loose = [(path, why) for path in dict.fromkeys(private_paths(config)) if (why := looser_than(path))]
    if not loose:
        return [Check("file modes", True, "data, databases, logs, lockout and secrets private (0700/0600)")]
    return [Check("file modes", False, f"{path} is {why} (chmod {why[-4:]} {path})") for path, why in loose]


def _catalog_check(config: Config) -> Check:
    """Whether the station offers services, and why not (none installed, expired, invalid)."""
    try:
        with parts.outbox(config) as outbox:
            ok, detail = parts.ActiveCatalog(outbox).status()
    except QueueError as exc:
        return Check("catalog", False, str(exc))
    return Check("catalog", ok, detail)


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
    """Every self-check, in order: config, credentials, file modes, storage, queue, catalog,
    audit trail, then each device. A failed check never stops the ones after it."""
    return [
        Check("config", True, str(config.path)),
        _credentials_check(config),
        *_file_mode_checks(config),  # before the checks that open (and so tighten) the files
        _data_dir_check(config),
        _queue_check(config),
        _catalog_check(config),
        _audit_check(config),
        _probe("card reader", lambda: parts.card_reader(config)),
        _camera_check(config),
        _probe("printer", lambda: parts.printer(config)),
    ]
