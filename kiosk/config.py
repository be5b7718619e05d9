"""The station's configuration: one TOML file, validated into a typed model at start.

Every section is a pydantic model with `extra="forbid"`, so an unknown key, a wrong type
or a bad value stops the station with ONE clear line naming the file and the key (exit
code 2), never a traceback. Device and queue sections are defined next to the code they
configure (`devices/*/settings.py`, `offline_queue/settings.py`); this module composes them.

Secrets (the platform's sealing key, the sync token, the trusted catalog keys) usually live in
a second file that only exists once the station is provisioned (the demo writes it on first
start). Its absence is not an error by itself, because a technician installing a station runs
`doctor`, `card read` or `printer test` before anyone has credentials: the commands that need a
secret ask for it with `require_secrets`, which names what is missing in one line.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from devices.audio.settings import AudioSettings
from devices.camera.settings import CameraSettings
from devices.card.settings import CardSettings
from devices.face.settings import FaceCameraSettings
from devices.printer.settings import PrinterSettings
from kiosk.domain.i18n_text import Lang
from kiosk.health.settings import SupervisorSettings
from kiosk.technician.settings import AuditSettings, TechnicianSettings
from offline_queue.settings import QueueSettings, SyncSettings

ENV_VAR = "KIOSK_CONFIG"
DEFAULT_PATH = Path("config.toml")


class ConfigError(Exception):
    """The configuration cannot be used; `str()` is the one line to show."""


class MissingSecret(ConfigError):
    """A command needs a secret the configuration does not hold (yet)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StationSection(_Section):
    id: str = Field(default="GZ-HZ-0001", pattern=r"^[A-Z]{2}-[A-Z]{2}-\d{4}$", description="Station id, sent as Kiosk-Id")
    name: str = Field(default="海珠区无人值守政务服务驿站", min_length=1, description="Printed on receipts")
    address: str = Field(default="广州市海珠区示例路1号", description="Printed on receipts")
    hotline: str = Field(default="12345", description="Help line printed on receipts and shown on screens")
    region: str = Field(default="440105", pattern=r"^\d{6}$", description="Administrative region code of the catalog")
    status_url: str = Field(default="https://zwfw.example.gov.cn/s/", description="QR codes point here + submission id")
    data_dir: Path = Field(default=Path("var"), description="Where the queue, catalog and logs live (relative to the config file)")


class SessionSection(_Section):
    idle_timeout_s: float = Field(default=90, gt=5, le=3600, description="Seconds without a touch before the warning")
    warning_s: float = Field(default=20, gt=0, le=300, description="Length of the countdown before the session is wiped")
    end_on_card_removal: bool = Field(default=False, description="Removing the card ends the session")
    elderly_idle_factor: float = Field(default=3.0, ge=1, le=10, description="Elderly mode waits this many times as long before the warning")
    default_language: Lang = Field(default=Lang.ZH_HANS, description="Language of the attract screen")
    kiosk_mode: bool = Field(default=True, description="Swallow Ctrl+C/Ctrl+Q/...; leaving needs the technician PIN")
    demo: bool = Field(default=False, description="Show the demo controls (tap a sample card with the mouse)")


SECTIONS: dict[str, type[BaseModel]] = {
    "station": StationSection,
    "session": SessionSection,
    "card": CardSettings,
    "camera": CameraSettings,
    "face_camera": FaceCameraSettings,
    "printer": PrinterSettings,
    "audio": AudioSettings,
    "queue": QueueSettings,
    "sync": SyncSettings,
    "technician": TechnicianSettings,
    "supervisor": SupervisorSettings,
    "audit": AuditSettings,
}

#: Keys that exist once, in [station], and are copied where a section needs them, so that
#: a station can never announce one id to the platform and print another on receipts.
DERIVED = {("sync", "kiosk_id"): ("station", "id"), ("sync", "region"): ("station", "region")}

#: Top-level key naming a second TOML file (tokens, keys) merged over the main one, so
#: secrets can live in a root-only file apart from the readable config.
SECRETS_KEY = "secrets_file"

#: What a station needs from its platform before it can queue or deliver anything (what
#: `python -m hub --station ID` prints), by `section.key`, with what each one is for.
STATION_SECRETS = {
    "queue.sealing_public_key": "the platform's sealing key",
    "sync.token": "the station's bearer token",
    "sync.trusted_admin_keys": "the trusted catalog keys",
}


@dataclass(frozen=True)
class Config:
    """The validated configuration: one attribute per section, plus where it came from."""

    path: Path
    station: StationSection
    session: SessionSection
    card: CardSettings
    camera: CameraSettings
    face_camera: FaceCameraSettings
    printer: PrinterSettings
    audio: AudioSettings
    queue: QueueSettings
    sync: SyncSettings
    technician: TechnicianSettings
    supervisor: SupervisorSettings
    audit: AuditSettings
    #: The secrets file `secrets_file` names (None: the config names none), and whether it exists.
    secrets_file: Path | None = None
    secrets_found: bool = False

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        return path if path.is_absolute() else (self.path.parent / path)


def config_path(cli_value: str | None) -> Path:
    """`--config` wins, then $KIOSK_CONFIG, then ./config.toml."""
    if cli_value:
        return Path(cli_value)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_PATH


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def missing_secrets(config: Config, keys: Iterable[str] = STATION_SECRETS) -> list[str]:
    """Those of `keys` (`section.key`, see STATION_SECRETS) that are unset or empty in `config`."""
    missing = []
    for dotted in keys:
        section, _, key = dotted.partition(".")
        value = getattr(getattr(config, section), key)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value:
            missing.append(dotted)
    return missing


def secrets_hint(config: Config) -> str:
    """Where the missing secrets would come from, for the one line that names them."""
    if config.secrets_file is None:
        return f"{config.path} names no {SECRETS_KEY}"
    if not config.secrets_found:
        return f"secrets file {config.secrets_file} not found"
    return f"not in {config.secrets_file}"


def require_secrets(config: Config, *keys: str) -> None:
    """Raise MissingSecret (one line: which secrets, and why they are missing) unless all are set."""
    missing = missing_secrets(config, keys)
    if missing:
        named = ", ".join(f"{key} ({STATION_SECRETS.get(key, 'a secret')})" for key in missing)
        raise MissingSecret(f"missing {named}: {secrets_hint(config)}")


def read_toml(path: Path, what: str = "config file", *, missing_ok: bool = False) -> dict | None:
    """Parse one TOML file; ConfigError (one line) when it is broken, or missing unless `missing_ok`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return None
        hint = " (use --config PATH or $KIOSK_CONFIG)" if what == "config file" else ""
        raise ConfigError(f"{path}: {what} not found{hint}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def secrets_path(path: Path, raw: dict) -> Path | None:
    """Where the config's `secrets_file` points (relative to the config), if it names one."""
    value = raw.get(SECRETS_KEY)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: {SECRETS_KEY}: must be a file path")
    secret = Path(value)
    return secret if secret.is_absolute() else path.resolve().parent / secret


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _tls_files(path: Path, sync: SyncSettings) -> SyncSettings:
    """`[sync]`'s CA bundle and client certificate, resolved against the config's folder like
    every path, and present: a missing CA bundle would otherwise surface only as a TLS
    failure at the first delivery, never at `doctor`."""
    update = {}
    for key in ("ca_bundle", "client_cert", "client_key"):
        value = getattr(sync, key)
        if value is None:
            continue
        full = value if value.is_absolute() else path.resolve().parent / value
        if not full.is_file():
            raise ConfigError(f"{path}: sync.{key}: {full} is not a file")
        update[key] = full
    return sync.model_copy(update=update) if update else sync


def load_config(path: Path) -> Config:
    """Read and validate `path`; raise ConfigError with one line naming file and key."""
    raw = read_toml(path)
    secret = secrets_path(path, raw)
    found = False
    if secret is not None:
        secrets = read_toml(secret, "secrets file", missing_ok=True)
        found = secrets is not None
        raw = _merge(raw, secrets or {})
        raw.pop(SECRETS_KEY)
    for (section, key), (source, source_key) in DERIVED.items():
        table = raw.get(section)
        if isinstance(table, dict) and key in table:
            raise ConfigError(f"{path}: {section}.{key}: set {source}.{source_key} instead (one value for the whole station)")
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown section [{unknown[0]}] (known: {', '.join(SECTIONS)})")
    sections = {}
    for name, model in SECTIONS.items():
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {name}: must be a table ([{name}])")
        try:
            sections[name] = model.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = _where((name, *err["loc"]))
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            raise ConfigError(f"{path}: {key}: {message}{more}") from None
    for (section, key), (source, source_key) in DERIVED.items():
        value = getattr(sections[source], source_key)
        sections[section] = sections[section].model_copy(update={key: value})
    sections["sync"] = _tls_files(path, sections["sync"])
    return Config(path=path.resolve(), **sections, secrets_file=secret, secrets_found=found)
