"""The hub's data directory (keys and tokens made once) and `run_kiosk.py hub --station`."""

from __future__ import annotations

import argparse
import json
import stat

from kiosk.commands import hub as hub_command
from hub.settings import load_or_init, station_view
from offline_queue.catalog_bundle import sign_bundle, verify_bundle
from offline_queue.sealing import Opener, Sealer


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="run_kiosk.py")
    hub_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["hub", *argv])
    return args.func(args, lambda: (_ for _ in ()).throw(AssertionError("hub needs no station config")))


def test_first_start_creates_private_files_and_later_starts_reuse_them(tmp_path):
    data = tmp_path / "hub"
    first = load_or_init(data, kiosk_ids=("GZ-HZ-0001", "GZ-HZ-0002"))
    assert set(first.kiosk_tokens) == {"GZ-HZ-0001", "GZ-HZ-0002"}
    for name in ("hub.json", "catalog-signing.json"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
    assert load_or_init(data) == first


def test_generated_keys_work_together(tmp_path):
    settings = load_or_init(tmp_path)
    view = station_view(settings, "GZ-HZ-0001")
    sealed = Sealer(view["sealing_public_key"], view["sealing_key_id"]).seal(b"round trip")
    assert Opener(settings.sealing_private_key).open(sealed) == b"round trip"
    signing = json.loads((tmp_path / "catalog-signing.json").read_text())
    payload = {"region": "440105", "version": 1, "issued_at": "2026-11-23T00:00:00Z",
               "effective_from": "2026-11-23T00:00:00Z", "expires_at": None, "services": []}
    bundle = sign_bundle(payload, signing["private_key"], signing["key_id"])
    from datetime import UTC, datetime

    verify_bundle(bundle, trusted_keys=view["catalog_keys"], region="440105", current_version=0,
                  now=datetime.now(UTC))
    assert "private" not in json.dumps(view) and settings.sealing_private_key not in json.dumps(view)


def test_station_option_prints_connection_settings(tmp_path, capsys):
    assert run("--data", str(tmp_path), "--station", "GZ-HZ-0001") == 0
    view = json.loads(capsys.readouterr().out)
    assert set(view) == {"kiosk_id", "token", "sealing_public_key", "sealing_key_id", "catalog_keys"}


def test_unknown_station_and_broken_settings_are_one_line(tmp_path, capsys):
    """Bad input: a kiosk id without a token; then a hub.json with an unknown key."""
    assert run("--data", str(tmp_path), "--station", "XX-XX-9999") == 1
    assert "no token for kiosk XX-XX-9999" in capsys.readouterr().err
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
