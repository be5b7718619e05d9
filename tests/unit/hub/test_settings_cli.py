"""The hub's data directory (keys and tokens made once) and `run_kiosk.py hub --station`."""

from __future__ import annotations

import argparse
import json
import stat

from kiosk.commands import hub as hub_command
from hub.settings import issue_token, load_or_init, station_view
from offline_queue.catalog_bundle import sign_bundle, verify_bundle
from offline_queue.sealing import Opener, Sealer
from tests.unit.catalog.samples import service


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="run_kiosk.py")
    hub_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["hub", *argv])
    return args.func(args, lambda: (_ for _ in ()).throw(AssertionError("hub needs no station config")))


def test_first_start_creates_private_files_and_later_starts_reuse_them(tmp_path):
    data = tmp_path / "hub"
    first = load_or_init(data, kiosk_ids=("GZ-HZ-0001", "GZ-HZ-0002"))
    assert first.kiosk_token_sha256 == {"GZ-HZ-0001": None, "GZ-HZ-0002": None}  # no token until --station
    for name in ("hub.json", "catalog-signing.json"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
    assert load_or_init(data) == first


def test_generated_keys_work_together(tmp_path):
    settings = load_or_init(tmp_path)
    view = station_view(settings, "GZ-HZ-0001", "clear-token")
    sealed = Sealer(view["sealing_public_key"], view["sealing_key_id"]).seal(b"round trip")
    assert Opener(settings.sealing_private_key).open(sealed) == b"round trip"
    signing = json.loads((tmp_path / "catalog-signing.json").read_text())
    payload = {"region": "440105", "version": 1, "issued_at": "2026-11-23T00:00:00Z",
               "effective_from": "2026-11-23T00:00:00Z", "expires_at": None, "services": [service()]}
    bundle = sign_bundle(payload, signing["private_key"], signing["key_id"])
    from datetime import UTC, datetime

    verify_bundle(bundle, trusted_keys=view["catalog_keys"], region="440105", current_version=0,
                  now=datetime.now(UTC))
    assert "private" not in json.dumps(view) and settings.sealing_private_key not in json.dumps(view)


def test_station_option_prints_connection_settings(tmp_path, capsys):
    assert run("--data", str(tmp_path), "--station", "GZ-HZ-0001") == 0
    view = json.loads(capsys.readouterr().out)
    assert set(view) == {"kiosk_id", "token", "sealing_public_key", "sealing_key_id", "catalog_keys"}


def test_an_unreachable_database_is_one_line(tmp_path, capsys):
    source = tmp_path / "catalog.json"
    source.write_text(json.dumps(demo_payload(version=1, region="440105")), encoding="utf-8")
    url = f"postgresql://hub@/nothing?host={tmp_path}&port=1"  # no server has that socket
    assert run("--data", str(tmp_path / "hub"), "--database", url, "--publish-catalog", str(source)) == 1
    err = capsys.readouterr().err
    assert err.startswith("hub: cannot publish into the hub's database: ") and err.count("\n") == 1


def test_unknown_station_and_broken_settings_are_one_line(tmp_path, capsys):
    """Bad input: an unknown kiosk id; then a hub.json with an unknown key."""
    assert run("--data", str(tmp_path), "--station", "XX-XX-9999") == 1
    assert "no kiosk XX-XX-9999" in capsys.readouterr().err
    settings = json.loads((tmp_path / "hub.json").read_text())
    settings["surprise"] = 1
    (tmp_path / "hub.json").write_text(json.dumps(settings))
    assert run("--data", str(tmp_path), "--station", "GZ-HZ-0001") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"hub: cannot use data directory {tmp_path}")


def test_port_in_use_is_one_line(tmp_path, capsys):
    """Bad input: --port naming a port another socket already listens on."""
    from hub.server import bind

    taken = bind("127.0.0.1", 0)
    try:
        assert run("--data", str(tmp_path), "--port", str(taken.getsockname()[1])) == 1
    finally:
        taken.close()
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


def demo_payload(version=1, region="440105"):
    return {"region": region, "version": version, "issued_at": "2026-11-23T00:00:00Z",
            "effective_from": "2026-11-23T00:00:00Z", "expires_at": None, "services": [service()]}


def test_publish_catalog_signs_as_the_demo_admin_and_the_hub_serves_it(tmp_path, hub_database, capsys, monkeypatch):
    """`--publish-catalog` writes into the hub's database (hub.json's SQLite file, or the
    PostgreSQL one `--database` names); a hub app on the same directory and database serves
    the bundle, and it verifies with the keys a station is given."""
    import io
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from hub.server import app_from_settings

    data = tmp_path / "hub"
    settings = load_or_init(data)
    source = tmp_path / "catalog.json"
    source.write_text(json.dumps(demo_payload(version=4, region="999999")), encoding="utf-8")
    database = hub_database if hub_database.startswith("postgresql://") else None
    database_args = ["--database", database] if database else []
    assert run("--data", str(data), *database_args, "--publish-catalog", str(source), "--region", "440105") == 0
    line = capsys.readouterr().out.strip().splitlines()
    assert len(line) == 1 and json.loads(line[0])["version"] == 4
    view = station_view(settings, "GZ-HZ-0001", issue_token(data, "GZ-HZ-0001"))
    with TestClient(app_from_settings(settings, data, database)) as client:
        pulled = client.get("/v1/catalog?region=440105",
                            headers={"Authorization": f"Bearer {view['token']}", "Kiosk-Id": "GZ-HZ-0001"})
    assert pulled.status_code == 200 and pulled.headers["etag"] == json.loads(line[0])["etag"]
    verified = verify_bundle(pulled.json(), trusted_keys=view["catalog_keys"], region="440105", current_version=0,
                             now=datetime.now(UTC))
    assert verified.version == 4
    # The same version again, from stdin this time: exit 3, the hub's current version on stdout.
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(demo_payload(version=4))))
    assert run("--data", str(data), *database_args, "--publish-catalog", "-") == 3
    assert json.loads(capsys.readouterr().out) == {"error": "version_not_higher", "current_version": 4}


def test_publish_catalog_refusals_are_one_line(tmp_path, capsys):
    """Bad input: a missing file, not JSON, a JSON array, an expired catalog, --region alone."""
    data = tmp_path / "hub"
    load_or_init(data)
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff{ not json")
    array = tmp_path / "array.json"
    array.write_text("[1, 2]")
    expired = tmp_path / "expired.json"
    expired.write_text(json.dumps(dict(demo_payload(), issued_at="2000-01-01T00:00:00Z",
                                       effective_from="2000-01-01T00:00:00Z", expires_at="2000-06-01T00:00:00Z")))
    cases = {
        str(tmp_path / "missing.json"): "cannot publish",
        str(garbage): "cannot publish",
        str(array): "not a JSON object",
        str(expired): "catalog refused: expired",
    }
    for source, expected in cases.items():
        assert run("--data", str(data), "--publish-catalog", source) == 1
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert captured.out == "" and len(err) == 1 and expected in err[0], (source, err)
    assert run("--data", str(data), "--region", "440105") == 1
    assert capsys.readouterr().err.strip() == "hub: --region goes with --publish-catalog"
