"""The hub's own settings: a JSON file in its data directory, created on first start.

`run_kiosk.py hub --data DIR` (and the demo) call `load_or_init(DIR)`: the first time it
generates the platform's sealing key pair, an admin token, a bearer token per kiosk and a demo
catalog-signing key pair (trusted by the hub), and writes them with mode 0600:

- `DIR/hub.json`: `HubSettings` (what the hub needs, including private keys and tokens);
- `DIR/catalog-signing.json`: `{"key_id", "private_key", "public_key"}`, the admin's Ed25519
  key for `catalog sign` and the hub's `--publish-catalog` in the demo (a real admin keeps
  this off the hub: `catalog keygen`).

A station is configured from `station_view(settings, kiosk_id)`: the sealing public key and
key id, its bearer token, and the trusted catalog keys. The hub's database is
`DIR/<database>` (default `hub.sqlite3`).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from offline_queue.catalog_bundle import generate_signing_keypair
from offline_queue.sealing import generate_keypair, public_key_of

SETTINGS_FILE = "hub.json"
SIGNING_FILE = "catalog-signing.json"
DEMO_KIOSK_IDS = ("GZ-HZ-0001",)


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str = Field(default="hub.sqlite3", description="SQLite file, relative to the data directory")
    sealing_private_key: str = Field(description="Platform X25519 private key (base64); stations seal to its public key")
    sealing_key_id: str = Field(default="hub-demo", min_length=1, description="recipient_key_id stations put in envelopes")
    admin_token: str = Field(min_length=16, description="Bearer token for catalog publishing and admin reads")
    kiosk_tokens: dict[str, str] = Field(description="Kiosk id -> bearer token")
    catalog_keys: dict[str, str] = Field(default_factory=dict, description="Trusted admin key id -> Ed25519 public key (base64)")
    max_attachment_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="Largest sealed attachment accepted (413 above)")
    max_submission_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest submission JSON accepted (413 above)")
    durable: bool = Field(default=True, description="synchronous=FULL (True) or NORMAL (False, benchmarks only)")

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


def load_or_init(data_dir: Path, *, kiosk_ids: tuple[str, ...] = DEMO_KIOSK_IDS) -> HubSettings:
    """Read `data_dir/hub.json`, creating the directory, keys and tokens the first time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SETTINGS_FILE
    if path.exists():
        return HubSettings.model_validate_json(path.read_text(encoding="utf-8"))
    sealing_private, _ = generate_keypair()
    signing_private, signing_public = generate_signing_keypair()
    signing = {"key_id": "demo-admin", "private_key": signing_private, "public_key": signing_public}
    settings = HubSettings(
        sealing_private_key=sealing_private,
        admin_token=secrets.token_urlsafe(24),
        kiosk_tokens={k: secrets.token_urlsafe(24) for k in kiosk_ids},
        catalog_keys={signing["key_id"]: signing_public},
    )
    _write_private(data_dir / SIGNING_FILE, signing)
    _write_private(path, settings.model_dump())
    return settings


def demo_signing_key(data_dir: Path) -> tuple[str, str]:
    """(private key, key id) of the demo admin's signing key made by `load_or_init`."""
    signing = json.loads((data_dir / SIGNING_FILE).read_text(encoding="utf-8"))
    return signing["private_key"], signing["key_id"]


def station_view(settings: HubSettings, kiosk_id: str) -> dict[str, Any]:
    """What one station needs to talk to this hub (no private keys)."""
    return {
        "kiosk_id": kiosk_id,
        "token": settings.kiosk_tokens[kiosk_id],
        "sealing_public_key": settings.sealing_public_key,
        "sealing_key_id": settings.sealing_key_id,
        "catalog_keys": dict(settings.catalog_keys),
    }
