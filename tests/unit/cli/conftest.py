"""A station as a technician finds it: the shipped config.toml in a temp dir, simulated devices,
the platform pointed at a closed loopback port, with or without its secrets file."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline_queue.catalog_bundle import generate_signing_keypair
from offline_queue.sealing import generate_keypair, public_key_of

ROOT = Path(__file__).resolve().parents[3]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released: connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Station:
    config: Path
    secrets: Path
    sealing_private_key: str

    def provision(self) -> None:
        """Write the secrets file with what `python -m hub --station` hands a station."""
        _, admin_public = generate_signing_keypair()
        self.secrets.write_text(
            f'[queue]\nsealing_public_key = "{public_key_of(self.sealing_private_key)}"\n'
            f'[sync]\ntoken = "station-token"\n[sync.trusted_admin_keys]\nadmin = "{admin_public}"\n',
            encoding="utf-8",
        )
        self.secrets.chmod(0o600)  # a provisioned secrets file is private: doctor fails a wider one


@pytest.fixture
def station(tmp_path: Path) -> Station:
    """The shipped config with `secrets_file = "secrets.toml"` (not written: call `provision()`)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('secrets_file = "var/demo/secrets.toml"', 'secrets_file = "secrets.toml"')
    text = text.replace('base_url = "http://127.0.0.1:8700"', f'base_url = "http://127.0.0.1:{closed_port()}"')
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    private, _ = generate_keypair()
    return Station(config, tmp_path / "secrets.toml", private)
