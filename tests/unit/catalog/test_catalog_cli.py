"""`catalog keygen | validate | sign` through argparse, as `run_kiosk.py catalog ...` runs them."""

from __future__ import annotations

import argparse
import json
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.commands import catalog as catalog_command
from offline_queue.catalog_bundle import verify_bundle

DATA = Path(__file__).parent / "data" / "catalog.json"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="run_kiosk.py")
    catalog_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["catalog", *argv])

    def no_config():
        raise AssertionError("catalog commands must not need the station config")

    return args.func(args, no_config)


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "admin.key"
    assert run("keygen", "--key-id", "gz-admin-2026", "--out", str(path)) == 0
    return path


def test_keygen_writes_a_private_file_and_prints_the_public_key(tmp_path, capsys):
    key_file = tmp_path / "k.json"
    assert run("keygen", "--key-id", "gz-admin-2026", "--out", str(key_file)) == 0
    data = json.loads(key_file.read_text())
    assert set(data) == {"key_id", "private_key", "public_key"} and data["key_id"] == "gz-admin-2026"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert f"gz-admin-2026={data['public_key']}" in out and data["private_key"] not in out


def test_keygen_refuses_to_overwrite(key_file, capsys):
    """Bad input: --out naming an existing key file."""
    before = key_file.read_text()
    assert run("keygen", "--out", str(key_file)) == 1
    assert key_file.read_text() == before
    assert "refusing to overwrite" in capsys.readouterr().err


def test_keygen_to_stdout(capsys):
    assert run("keygen") == 0
    assert set(json.loads(capsys.readouterr().out)) == {"key_id", "private_key", "public_key"}


def test_validate_ok(capsys):
    assert run("validate", str(DATA)) == 0
    assert "ok: region 440105, version 7, 2 services" in capsys.readouterr().out


def broken_catalog(tmp_path) -> Path:
    data = json.loads(DATA.read_text())
    data["services"][1]["fields"][0]["prefill"] = "identity.shoe_size"
    data["services"][0]["documents"][0]["kind"] = "a5"
    data["services"][0]["cities"] = ["atlantis"]
    del data["services"][1]["promise"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def test_validate_lists_every_error_with_its_path(tmp_path, capsys):
    """Bad input: four independent mistakes in two services; all four are reported."""
    path = broken_catalog(tmp_path)
    assert run("validate", str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert f"{path}: services[1].fields[0].prefill: unknown source 'identity.shoe_size'" in err
    assert any(line.startswith(f"{path}: services[0].documents[0].kind:") for line in err)
    assert any(line.startswith(f"{path}: services[0].cities:") for line in err)
    assert f"{path}: services[1].promise: Field required" in err
    assert err[-1] == f"catalog validate: {path}: 4 errors"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "not UTF-8"), (None, "cannot read")],
)
def test_validate_unreadable_files_give_one_line(tmp_path, capsys, content, message):
    """Bad input: broken JSON, non-UTF-8 bytes, a missing file."""
    path = tmp_path / "c.json"
    if content is not None:
        path.write_bytes(content)
    assert run("validate", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_sign_produces_a_bundle_stations_accept(key_file, tmp_path, capsys):
    out = tmp_path / "bundle.json"
    assert run("sign", str(DATA), "--key", str(key_file), "--out", str(out)) == 0
    bundle = json.loads(out.read_text())
    assert bundle["key_id"] == "gz-admin-2026"
    public = json.loads(key_file.read_text())["public_key"]
    verified = verify_bundle(
        bundle,
        trusted_keys={"gz-admin-2026": public},
        region="440105",
        current_version=6,
        now=datetime(2026, 11, 23, tzinfo=UTC),
    )
    assert verified.payload == json.loads(DATA.read_text())
    assert "signed region 440105 version 7 with gz-admin-2026" in capsys.readouterr().out


def test_sign_key_id_option_overrides_and_bare_key_files_work(key_file, tmp_path):
    bare = tmp_path / "bare.key"
    bare.write_text(json.loads(key_file.read_text())["private_key"] + "\n")
    out = tmp_path / "bundle.json"
    assert run("sign", str(DATA), "--key", str(bare), "--key-id", "other", "--out", str(out)) == 0
    assert json.loads(out.read_text())["key_id"] == "other"


def test_sign_bare_key_without_key_id_is_refused(tmp_path, key_file, capsys):
    """Bad input: a bare private key file and no --key-id."""
    bare = tmp_path / "bare.key"
    bare.write_text(json.loads(key_file.read_text())["private_key"])
    assert run("sign", str(DATA), "--key", str(bare), "--out", str(tmp_path / "b.json")) == 1
    assert "--key-id is required" in capsys.readouterr().err


def test_sign_refuses_an_invalid_catalog(tmp_path, key_file, capsys):
    """Bad input: signing the four-error catalog; nothing is written."""
    out = tmp_path / "bundle.json"
    assert run("sign", str(broken_catalog(tmp_path)), "--key", str(key_file), "--out", str(out)) == 1
    assert not out.exists()
    assert "services[1].fields[0].prefill: unknown source" in capsys.readouterr().err


def test_sign_refuses_a_bad_key_file(tmp_path, capsys):
    """Bad input: a key file that is neither keygen JSON nor a base64 Ed25519 key."""
    bad = tmp_path / "bad.key"
    bad.write_text("hello")
    assert run("sign", str(DATA), "--key", str(bad), "--key-id", "x", "--out", str(tmp_path / "b.json")) == 1
    assert "not a base64 Ed25519 private key" in capsys.readouterr().err


def test_publish_without_token_or_bundle_is_one_line(tmp_path, capsys, monkeypatch):
    """Bad input: no admin token; then a file that is a catalog, not a signed bundle."""
    monkeypatch.delenv(catalog_command.TOKEN_ENV, raising=False)
    assert run("publish", str(DATA), "--url", "http://127.0.0.1:9") == 1
    assert "admin token is required" in capsys.readouterr().err
    shutil.copy(DATA, tmp_path / "c.json")
    assert run("publish", str(tmp_path / "c.json"), "--url", "http://127.0.0.1:9", "--token", "t") == 1
    assert "not a signed bundle" in capsys.readouterr().err
