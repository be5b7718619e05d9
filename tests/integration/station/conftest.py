"""A station config for subprocess tests: the shipped config.toml with its own secrets file."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_queue.catalog_bundle import generate_signing_keypair
from offline_queue.sealing import generate_keypair

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def station_config(tmp_path: Path):
    """Write config.toml (plus `extra` text) and a secrets file into tmp_path; return its path."""

    def write(extra: str = "") -> Path:
        _, public = generate_keypair()
        _, admin = generate_signing_keypair()
        (tmp_path / "secrets.toml").write_text(
            f'[queue]\nsealing_public_key = "{public}"\n[sync]\ntoken = "station-token"\n'
            f'[sync.trusted_admin_keys]\nadmin = "{admin}"\n',
            encoding="utf-8",
        )
        (tmp_path / "secrets.toml").chmod(0o600)  # as install.md says; doctor fails a wider one
        text = (ROOT / "config.toml").read_text(encoding="utf-8")
        text = text.replace('secrets_file = "var/demo/secrets.toml"', 'secrets_file = "secrets.toml"')
        path = tmp_path / "config.toml"
        path.write_text(text + extra, encoding="utf-8")
        return path

    return write
