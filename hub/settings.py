"""The hub's own settings: a JSON file in its data directory, created on first start.

`run_kiosk.py hub --data DIR` (and the demo) call `load_or_init(DIR)`: the first time it
generates the platform's sealing key pair, an admin token and a demo catalog-signing key pair
(trusted by the hub), registers the kiosks (without tokens yet), and writes them with mode
0600 into a 0700 directory (an existing directory and its files are tightened to that):

- `DIR/hub.json`: `HubSettings` (what the hub needs, including private keys and tokens);
- `DIR/console-login.json`: `{"name", "password", "url_path"}`, the fleet console's first
  admin (hub.json keeps only the password's scrypt hash); made when hub.json has no console
  admin yet, also for a hub.json from before the console;
- `DIR/catalog-signing.json`: `{"key_id", "private_key", "public_key"}`, the admin's Ed25519
  key for `catalog sign` and the hub's `--publish-catalog` in the demo (a real admin keeps
  this off the hub: `catalog keygen`).

Kiosk tokens are kept only as SHA-256 digests (`hub.tokens`), one per kiosk: `issue_token`
(`--station`) makes a new token, stores its digest and returns the clear token once;
`revoke` (`--revoke`) forgets it. A hub.json from before (clear `kiosk_tokens`) is migrated
on load. A running hub re-reads the digests when hub.json changes (`KioskTokenFile`).
A station is configured from `station_view(settings, kiosk_id, token)`: the sealing public key
and key id, its bearer token, and the trusted catalog keys. The hub's database is
`DIR/<database>` (default `hub.sqlite3`), or a PostgreSQL server when `database` is a
`postgresql://` URL (`hub --database URL` gives one without writing it down); attachment
bytes are files under `DIR/attachments` with either engine (`database_location`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.database import is_postgres
from hub.tokens import new_token, one_token_per_kiosk, token_digest

from offline_queue.catalog_bundle import generate_signing_keypair
from offline_queue.sealing import generate_keypair, public_key_of

SETTINGS_FILE = "hub.json"
SIGNING_FILE = "catalog-signing.json"
CONSOLE_LOGIN_FILE = "console-login.json"
DEMO_KIOSK_IDS = ("GZ-HZ-0001",)
SHA256_HEX = r"^[0-9a-f]{64}$"

log = logging.getLogger("hub")


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str = Field(
        default="hub.sqlite3",
        description="SQLite file, relative to the data directory, or a postgresql:// URL",
    )
    sealing_private_key: str = Field(description="Platform X25519 private key (base64); stations seal to its public key")
    sealing_key_id: str = Field(default="hub-demo", min_length=1, description="recipient_key_id stations put in envelopes")
    admin_token: str = Field(min_length=16, description="Bearer token for catalog publishing and admin reads")
    kiosk_token_sha256: dict[str, Annotated[str, StringConstraints(pattern=SHA256_HEX)] | None] = Field(
        description="Kiosk id -> SHA-256 (hex) of its bearer token; null: no token issued, or revoked"
    )
    catalog_keys: dict[str, str] = Field(default_factory=dict, description="Trusted admin key id -> Ed25519 public key (base64)")
    max_attachment_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="Largest sealed attachment accepted (413 above)")
    max_submission_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest submission JSON accepted (413 above)")
    max_uploads_per_kiosk: int = Field(default=4, ge=1, le=64, description="Concurrent uploads per kiosk (429 above)")
    max_uploads_total: int = Field(default=64, ge=1, le=1024, description="Concurrent uploads in total (429 above)")
    durable: bool = Field(default=True, description="synchronous=FULL (True) or NORMAL (False, benchmarks only)")
    console_admins: dict[str, str] = Field(
        default_factory=dict, description="Fleet console login name -> scrypt hash of the password"
    )
    alert_webhook_url: str | None = Field(default=None, description="POST the fleet's new alerts here as JSON")

    @property
    def sealing_public_key(self) -> str:
        return public_key_of(self.sealing_private_key)


def _write_private(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _tighten(data_dir: Path) -> None:
    """Data directory 0700, its files 0600 (older hubs left them 0755/0644)."""
    data_dir.chmod(0o700)
    for path in data_dir.iterdir():
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)


def _read(path: Path) -> HubSettings:
    """hub.json, with clear kiosk tokens of an older hub replaced by their digests (and the
    file rewritten without them); ValueError when two kiosks share a token."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    clear = raw.pop("kiosk_tokens", None) if isinstance(raw, dict) else None
    if isinstance(clear, dict):
        raw.setdefault("kiosk_token_sha256", {}).update({k: token_digest(str(t)) for k, t in clear.items()})
    settings = HubSettings.model_validate(raw)
    one_token_per_kiosk(settings.kiosk_token_sha256)
    if clear is not None:
        _write_private(path, settings.model_dump())
    return settings


def load_or_init(data_dir: Path, *, kiosk_ids: tuple[str, ...] = DEMO_KIOSK_IDS) -> HubSettings:
    """Read `data_dir/hub.json`, creating the directory, keys and kiosk entries the first time."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(data_dir)
    path = data_dir / SETTINGS_FILE
    if path.exists():
        settings = _read(path)
        if not settings.console_admins:
            settings = settings.model_copy(update={"console_admins": _first_console_admin(data_dir)})
            _write_private(path, settings.model_dump())
        return settings
    sealing_private, _ = generate_keypair()
    signing_private, signing_public = generate_signing_keypair()
    signing = {"key_id": "demo-admin", "private_key": signing_private, "public_key": signing_public}
    settings = HubSettings(
        sealing_private_key=sealing_private,
        admin_token=secrets.token_urlsafe(24),
        kiosk_token_sha256=dict.fromkeys(kiosk_ids),
        catalog_keys={signing["key_id"]: signing_public},
        console_admins=_first_console_admin(data_dir),
    )
    _write_private(data_dir / SIGNING_FILE, signing)
    _write_private(path, settings.model_dump())
    return settings


def _first_console_admin(data_dir: Path) -> dict[str, str]:
    """A console admin `admin` with a new password, written to console-login.json (0600)."""
    from hub.console.passwords import hash_password, new_password

    password = new_password()
    _write_private(data_dir / CONSOLE_LOGIN_FILE, {"name": "admin", "password": password, "url_path": "/console"})
    return {"admin": hash_password(password)}


def _set_digest(data_dir: Path, kiosk_id: str, digest: str | None) -> None:
    path = data_dir / SETTINGS_FILE
    settings = _read(path)
    if kiosk_id not in settings.kiosk_token_sha256:
        raise KeyError(kiosk_id)
    digests = {**settings.kiosk_token_sha256, kiosk_id: digest}
    _write_private(path, settings.model_copy(update={"kiosk_token_sha256": digests}).model_dump())


def issue_token(data_dir: Path, kiosk_id: str) -> str:
    """A new token for a registered kiosk (KeyError if unknown); its previous one stops counting."""
    token = new_token()
    _set_digest(data_dir, kiosk_id, token_digest(token))
    return token


def revoke(data_dir: Path, kiosk_id: str) -> None:
    """Forget the kiosk's token (KeyError if unknown); a running hub refuses it at the next request."""
    _set_digest(data_dir, kiosk_id, None)


class KioskTokenFile:
    """The kiosk token digests of a hub.json, re-read whenever the file changes (a stat per
    call), so that `revoke` and `issue_token` count at the next request without a restart.
    An unreadable or invalid file refuses every kiosk until it is fixed (fail closed)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = (-1, -1, -1)  # read at the first call
        self._digests: Mapping[str, str | None] = {}

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def __call__(self) -> Mapping[str, str | None]:
        stamp = self._stat()
        if stamp != self._stamp:
            with self._lock:
                try:
                    digests: Mapping[str, str | None] = _read(self._path).kiosk_token_sha256
                except (OSError, ValueError, ValidationError) as exc:
                    log.error("%s unreadable, every kiosk token refused until it is fixed: %s",
                              self._path, str(exc).splitlines()[0])
                    digests = {}
                self._digests, self._stamp = digests, stamp
        return self._digests


def database_location(settings: HubSettings, data_dir: Path, override: str | None = None) -> tuple[str | Path, Path]:
    """(the database: a `postgresql://` URL or the SQLite file's path, the attachments
    directory) of the hub in `data_dir`; `override` (`--database`) wins over hub.json."""
    database = override or settings.database
    return (database if is_postgres(database) else data_dir / database), data_dir / "attachments"


def demo_signing_key(data_dir: Path) -> tuple[str, str]:
    """(private key, key id) of the demo admin's signing key made by `load_or_init`."""
    signing = json.loads((data_dir / SIGNING_FILE).read_text(encoding="utf-8"))
    return signing["private_key"], signing["key_id"]


def station_view(settings: HubSettings, kiosk_id: str, token: str) -> dict[str, Any]:
    """What one station needs to talk to this hub (no private keys): `token` is its clear
    token, just issued."""
    return {
        "kiosk_id": kiosk_id,
        "token": token,
        "sealing_public_key": settings.sealing_public_key,
        "sealing_key_id": settings.sealing_key_id,
        "catalog_keys": dict(settings.catalog_keys),
    }
