"""The audit trail anchored at the platform (issue 12, finding 5; SERVICE_API 1.1).

Before: drop the triggers, edit or delete records, recompute every hash, reset the head file,
and `audit verify` said "chain intact"; nothing held the chain outside the station. Now every
heartbeat carries the trail's head, the hub (real, on loopback) keeps each one, and `audit
verify --platform` fails when the local chain no longer contains one of them.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest

from hub.server import running
from kiosk.commands import audit as audit_cli
from offline_queue.audit import GENESIS, AuditTrail, record_hash, verify_database
from offline_queue.client import ServiceClient
from offline_queue.engine import SyncEngine
from offline_queue.outbox import Outbox
from offline_queue.settings import SyncSettings
from tests.unit.hub.conftest import KIOSK, TOKENS, clock, faults, hub_database, keys, make_app, pg_cluster  # noqa: F401 (fixtures)

pytestmark = pytest.mark.realstack


@pytest.fixture
def live_hub(make_app):
    with running(make_app()) as hub:
        yield hub


def rewrite_consistently(path: Path, seq: int, detail: dict) -> None:
    """What root on the station can do: edit a record, recompute every hash after it, keep the
    counter and the head file consistent. Local checks cannot tell."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    rows = conn.execute("SELECT seq, time, actor, action, detail FROM audit ORDER BY seq").fetchall()
    prev = GENESIS
    for row_seq, time, actor, action, old in rows:
        new_detail = detail if row_seq == seq else json.loads(old)
        digest = record_hash(row_seq, time, actor, action, new_detail, prev)
        conn.execute(
            "UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (json.dumps(new_detail, sort_keys=True, separators=(",", ":")), prev, digest, row_seq),
        )
        prev = digest
    conn.commit()
    conn.close()
    path.with_name(path.name + ".head").write_text(json.dumps({"seq": rows[-1][0], "hash": prev}))


def verify_cli(tmp_path: Path, hub, capsys, *extra: str) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\nid = "{KIOSK}"\ndata_dir = "var"\n[sync]\nbase_url = "{hub.url}"\ntoken = "{TOKENS[KIOSK]}"\n'
        '[audit]\ndb_path = "audit.sqlite3"\n',
        encoding="utf-8",
    )
    from kiosk.config import load_config

    parser = argparse.ArgumentParser()
    audit_cli.register(parser.add_subparsers())
    args = parser.parse_args(["audit", "verify", *extra])
    code = args.func(args, lambda: load_config(config))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_consistent_local_rewrite_is_caught_by_the_heads_the_platform_kept(tmp_path, live_hub, keys, capsys):
    settings = SyncSettings(base_url=live_hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], connect_timeout_s=2, read_timeout_s=5)
    path = tmp_path / "audit.sqlite3"
    with Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0) as outbox, AuditTrail(path) as trail:
        engine = SyncEngine(outbox, ServiceClient(settings), settings, audit_head=trail.head)
        trail.append("technician", "login", {"method": "pin", "who": "pin"})
        trail.append("technician", "export", {"records": 3, "directory": "kiosk-export-a"})
        assert engine.heartbeat() == "ok"  # the platform now holds head 2
        trail.append("technician", "queue_retry", {"count": 1})
        assert engine.heartbeat() == "ok"  # and head 3
        engine.close()

    code, out, _ = verify_cli(tmp_path, live_hub, capsys, "--platform")
    assert code == 0 and out == "ok: 3 records, chain intact, holds all 2 heads the platform received\n"

    rewrite_consistently(path, 2, {"records": 0, "directory": "nothing-to-see"})
    assert verify_database(path).ok, "locally consistent: the limit of local checks"
    code, out, _ = verify_cli(tmp_path, live_hub, capsys)
    assert code == 0  # without --platform, the rewrite passes: the finding as it was
    code, _, err = verify_cli(tmp_path, live_hub, capsys, "--platform")
    assert code == 1 and err == "TAMPERED at record 2: record differs from the platform's copy\n"


def test_a_cut_trail_is_caught_and_an_unreachable_platform_is_said(tmp_path, live_hub, keys, capsys):
    """Bad input: the newest records deleted with the counter and head file rewound; then a dead platform."""
    settings = SyncSettings(base_url=live_hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK], connect_timeout_s=2, read_timeout_s=5)
    path = tmp_path / "audit.sqlite3"
    with Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0) as outbox, AuditTrail(path) as trail:
        engine = SyncEngine(outbox, ServiceClient(settings), settings, audit_head=trail.head)
        for n in range(3):
            trail.append("technician", "device_test", {"device": "printer", "result": f"ok {n}"})
        assert engine.heartbeat() == "ok"
        second = trail.get(2).hash
        engine.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = 3")
    conn.execute("UPDATE sqlite_sequence SET seq = 2 WHERE name = 'audit'")
    conn.commit()
    conn.close()
    path.with_name(path.name + ".head").write_text(json.dumps({"seq": 2, "hash": second}))
    code, _, err = verify_cli(tmp_path, live_hub, capsys, "--platform")
    assert code == 1 and "the platform has record 3, the station only 2" in err

    class Dead:
        url = "http://127.0.0.1:9"

    code, _, err = verify_cli(tmp_path, Dead, capsys, "--platform")
    assert code == 2 and err.startswith("audit verify: the platform cannot be reached") and err.count("\n") == 1


def test_the_daemon_sends_the_head_and_the_catalog_states(tmp_path, live_hub, keys):
    settings = SyncSettings(base_url=live_hub.url, kiosk_id=KIOSK, token=TOKENS[KIOSK])
    with Outbox.open(tmp_path / "queue.sqlite3", keys.sealer, min_free_bytes=0) as outbox, AuditTrail(tmp_path / "a.sqlite3") as trail:
        engine = SyncEngine(outbox, ServiceClient(settings), settings, audit_head=trail.head)
        assert engine.heartbeat_body()["audit_head"] is None  # an empty trail has no head yet
        record = trail.append("system", "device_state", {"device": "printer", "state": "down", "was": "ok"})
        body = engine.heartbeat_body()
        assert body["audit_head"] == {"seq": 1, "hash": record.hash} and body["catalogs"] == []
        engine.close()
