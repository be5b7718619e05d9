"""Kiosk tokens hashed at rest, one per kiosk, revocable; private files; no /docs (issue 12
findings 10 and 11: clear tokens in hub.json, two kiosks sharing one token accepted, revoking
needed a restart, data files 0644, /docs without login loading JavaScript from a CDN)."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest
from fastapi.testclient import TestClient

from hub.settings import load_or_init
from tests.unit.hub.conftest import KIOSK, OTHER_KIOSK
from tests.unit.hub.test_settings_cli import run


def station(tmp_path, capsys, kiosk="GZ-HZ-0001"):
    assert run("--data", str(tmp_path), "--station", kiosk) == 0
    return json.loads(capsys.readouterr().out)["token"]


def test_hub_json_holds_only_token_digests_and_the_station_gets_the_clear_token(tmp_path, capsys):
    token = station(tmp_path, capsys)
    text = (tmp_path / "hub.json").read_text()
    assert token not in text
    assert json.loads(text)["kiosk_token_sha256"]["GZ-HZ-0001"] == hashlib.sha256(token.encode()).hexdigest()
    again = station(tmp_path, capsys)  # asking again issues a new token; the old one no longer counts
    assert again != token
    assert json.loads((tmp_path / "hub.json").read_text())["kiosk_token_sha256"]["GZ-HZ-0001"] == (
        hashlib.sha256(again.encode()).hexdigest()
    )


def test_clear_tokens_of_an_old_hub_json_are_migrated_and_keep_working(tmp_path):
    load_or_init(tmp_path)
    settings = json.loads((tmp_path / "hub.json").read_text())
    del settings["kiosk_token_sha256"]
    settings["kiosk_tokens"] = {"GZ-HZ-0001": "old-clear-token-0123456789"}
    (tmp_path / "hub.json").write_text(json.dumps(settings))
    migrated = load_or_init(tmp_path)
    assert "old-clear-token-0123456789" not in (tmp_path / "hub.json").read_text()
    assert migrated.kiosk_token_sha256 == {"GZ-HZ-0001": hashlib.sha256(b"old-clear-token-0123456789").hexdigest()}
    assert stat.S_IMODE((tmp_path / "hub.json").stat().st_mode) == 0o600


def test_two_kiosks_sharing_one_token_are_refused_at_load(tmp_path, capsys):
    """Bad input: hub.json giving two kiosks the same token (clear, as an old file had it)."""
    load_or_init(tmp_path)
    settings = json.loads((tmp_path / "hub.json").read_text())
    del settings["kiosk_token_sha256"]
    settings["kiosk_tokens"] = {"GZ-HZ-0001": "same-token-0123456789", "GZ-HZ-0002": "same-token-0123456789"}
    (tmp_path / "hub.json").write_text(json.dumps(settings))
    assert run("--data", str(tmp_path), "--port", "0", "--station", "GZ-HZ-0001") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "GZ-HZ-0001 and GZ-HZ-0002 share one token" in err[0]


def test_one_token_for_two_kiosks_is_refused_by_create_app(make_app):
    """Bad input: the same clear token for two kiosks, and a token collection for any kiosk."""
    with pytest.raises(ValueError, match="share one token"):
        make_app(kiosk_tokens={KIOSK: "same-token-0123456789", OTHER_KIOSK: "same-token-0123456789"})
    with pytest.raises(TypeError):
        make_app(kiosk_tokens=["shared-token-123"])


def test_revoke_sets_the_kiosk_without_token(tmp_path, capsys):
    station(tmp_path, capsys)
    assert run("--data", str(tmp_path), "--revoke", "GZ-HZ-0001") == 0
    assert "revoked" in capsys.readouterr().out
    assert json.loads((tmp_path / "hub.json").read_text())["kiosk_token_sha256"] == {"GZ-HZ-0001": None}
    assert run("--data", str(tmp_path), "--revoke", "XX-XX-9999") == 1
    assert "no kiosk XX-XX-9999" in capsys.readouterr().err


def test_data_dir_is_0700_and_its_files_0600(tmp_path, capsys):
    data = tmp_path / "hub"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # an old data dir, made before the hub tightened it
    station(data, capsys)
    from hub.server import app_from_settings

    with TestClient(app_from_settings(load_or_init(data), data)) as client:
        assert client.get("/healthz").status_code == 200
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"hub.json", "catalog-signing.json", "hub.sqlite3"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


def test_docs_are_off_and_the_openapi_document_loads_nothing_from_the_network(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    document = client.get("/openapi.json")
    assert document.status_code == 200 and document.json()["paths"]
    assert "cdn" not in document.text.lower() and "<script" not in document.text
