"""Config errors: unknown key, wrong type, bad value, missing file, broken TOML.

Each must give ONE line naming the file and the key and exit code 2, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, MissingSecret, load_config, missing_secrets, require_secrets

ROOT = Path(__file__).resolve().parents[2]


SECRETS = """
[queue]
sealing_public_key = "PbyrhVRcqcOlfSkLEL30Ka8VTm07XNZRMLcVGVz+bDc="  # any valid X25519 public key
[sync]
token = "demo-token"
"""


@pytest.fixture
def shipped(tmp_path):
    """config.toml as shipped, with a secrets file where it points (the demo writes one)."""
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "var" / "demo").mkdir(parents=True)
    (tmp_path / "var" / "demo" / "secrets.toml").write_text(SECRETS, encoding="utf-8")
    return path


def test_shipped_config_is_valid(shipped):
    config = load_config(shipped)
    assert config.station.region == "440105"
    assert config.session.demo is True
    assert config.sync.token.get_secret_value() == "demo-token"
    assert config.sync.kiosk_id == config.station.id
    assert config.sync.region == config.station.region


def test_missing_secrets_file_is_not_an_error_by_itself(shipped):
    """A station before provisioning: the config loads; what needs a secret names it."""
    secrets = shipped.parent / "var" / "demo" / "secrets.toml"
    secrets.unlink()
    config = load_config(shipped)
    assert (config.secrets_file, config.secrets_found) == (secrets, False)
    assert config.queue.sealing_public_key is None
    assert missing_secrets(config) == ["queue.sealing_public_key", "sync.token", "sync.trusted_admin_keys"]
    with pytest.raises(MissingSecret) as info:
        require_secrets(config, "queue.sealing_public_key", "sync.token")
    assert str(info.value) == (
        "missing queue.sealing_public_key (the platform's sealing key), sync.token (the station's bearer token): "
        f"secrets file {secrets} not found"
    )


def test_a_broken_secrets_file_is_still_one_line(shipped):
    (shipped.parent / "var" / "demo" / "secrets.toml").write_text("[queue\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"secrets.toml: not valid TOML"):
        load_config(shipped)


def test_station_id_is_not_repeated_in_sync(shipped):
    shipped.write_text(shipped.read_text(encoding="utf-8").replace("[sync]\n", '[sync]\nkiosk_id = "GZ-HZ-0002"\n'), encoding="utf-8")
    with pytest.raises(ConfigError, match="sync.kiosk_id: set station.id instead"):
        load_config(shipped)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[station]\nnmae = "x"\n', "station.nmae: unknown key"),
        ("[session]\nidle_timeout_s = \"soon\"\n", "session.idle_timeout_s: Input should be a valid number"),
        ("[session]\nidle_timeout_s = -4\n", "session.idle_timeout_s: Input should be greater than 5"),
        ('[station]\nid = "station one"\n', "station.id: String should match pattern"),
        ('[session]\ndefault_language = "fr"\n', "session.default_language: Input should be"),
        ("[printr]\n", "unknown section [printr]"),
        ("session = 3\n", "session: must be a table"),
        ("[station\n", "not valid TOML"),
        ('[queue]\nsealing_public_key = "c2hvcnQ="\n', "queue.sealing_public_key: public key must be 32 bytes, got 5"),
        (  # the all-zero low-order point: valid base64 of 32 bytes, but no shared secret
            '[queue]\nsealing_public_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="\n',
            "queue.sealing_public_key: public key is not usable for X25519",
        ),
        # issue 12, finding 10: these passed `doctor` silently
        ('[sync]\nca_bundle = "missing-ca.pem"\n', "sync.ca_bundle:"),
        ('[sync]\nclient_cert = "/nowhere/cert.pem"\n', "sync.client_cert: /nowhere/cert.pem is not a file"),
        ('[sync]\nbase_url = "http://platform.example.gov.cn"\n', "plain http:// only to a loopback address"),
        ('[sync]\nbackoff_cap_s = inf\n', "sync.backoff_cap_s: Input should be less than or equal to 3600"),
        ('[technician]\nexport_dir = "/etc/shadow"\n', "technician.export_dir: must not be inside /etc"),
        ('[technician]\nlockout_minutes = 1e-9\n', "technician.lockout_minutes: Input should be greater than or equal to 1"),
        ('[supervisor]\nprobe_interval_s = 1e-9\n', "supervisor.probe_interval_s: Input should be greater than or equal to 1"),
        ('[queue]\nmin_free_bytes = 100000000000000000000\n', "queue.min_free_bytes"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, expected):
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_exit_code_two_and_one_line(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[session]\nwarning_s = 0\n", encoding="utf-8")
    assert main(["--config", str(path), "doctor"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"config error: {path}: session.warning_s: Input should be greater than 0"]


def test_env_var_chooses_file(tmp_path):
    path = tmp_path / "env.toml"
    path.write_text("[station]\nbogus = 1\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_kiosk.py"), "doctor"],
        env={"KIOSK_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}: station.bogus: unknown key" in proc.stderr


def test_tls_files_are_found_next_to_the_config(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    path = tmp_path / "station.toml"
    path.write_text('[sync]\nca_bundle = "ca.pem"\n', encoding="utf-8")
    assert load_config(path).sync.ca_bundle == tmp_path / "ca.pem"
