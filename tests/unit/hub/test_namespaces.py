"""Kiosk namespaces (SERVICE_API 1.1): submissions and attachments are keyed by (kiosk, id).

Issue 12 finding 1: kiosk A could PUT under kiosk B's pending id (201), after which B got
409 for good, and A could tell which ids exist because a PUT answered 409 where a GET
answered 404. Ids are compared in lower case (finding 9).
"""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from tests.unit.hub.conftest import ADMIN, KIOSK, OTHER_KIOSK, build_submission, kiosk_headers, upload_attachments

A = kiosk_headers(OTHER_KIOSK)
B = kiosk_headers(KIOSK)


def test_another_kiosk_using_the_same_id_cannot_block_the_first(client, keys):
    """Bad input: kiosk A delivers a valid sealed body under kiosk B's id before B does."""
    victim = build_submission(keys, kiosk=KIOSK, n_attachments=1)
    squatter = build_submission(keys, kiosk=OTHER_KIOSK, n_attachments=1)
    squatter.body["submission_id"] = victim.id
    upload_attachments(client, squatter, kiosk=OTHER_KIOSK)
    assert client.put(victim.url, json=squatter.body, headers=A).status_code == 201

    upload_attachments(client, victim, kiosk=KIOSK)
    first = client.put(victim.url, json=victim.body, headers=B)
    assert first.status_code == 201, first.text
    assert client.put(victim.url, json=victim.body, headers=B).status_code == 200
    rows = client.get("/v1/admin/submissions", headers=ADMIN).json()["submissions"]
    assert sorted((r["kiosk_id"], r["receipt_number"]) for r in rows) == [
        (KIOSK, victim.body["receipt_number"]), (OTHER_KIOSK, squatter.body["receipt_number"])
    ]
    assert len({r["reference"] for r in rows}) == 2


def test_another_kiosk_cannot_overwrite_or_probe_an_existing_id(client, keys):
    """Bad input: kiosk A replays B's id with different content, then with B's own content."""
    sub = build_submission(keys, kiosk=KIOSK, n_attachments=0)
    assert client.put(sub.url, json=sub.body, headers=B).status_code == 201
    unknown = build_submission(keys, kiosk=OTHER_KIOSK, n_attachments=0)
    # A's answers for B's existing id are exactly its answers for a never-used id.
    assert client.get(sub.url, headers=A).status_code == client.get(unknown.url, headers=A).status_code == 404
    probe = dict(sub.body, kiosk_id=OTHER_KIOSK, receipt_number="999999-0000-000000")
    assert client.put(sub.url, json=probe, headers=A).status_code == 201
    assert client.get(sub.url, headers=B).json()["reference"] != client.get(sub.url, headers=A).json()["reference"]
    assert client.put(sub.url, json=sub.body, headers=B).status_code == 200


def test_attachments_of_another_kiosk_do_not_count(client, keys):
    """Bad input: the attachment is uploaded under the right id, but by another kiosk."""
    sub = build_submission(keys, kiosk=KIOSK, n_attachments=1)
    upload_attachments(client, sub, kiosk=OTHER_KIOSK)
    r = client.put(sub.url, json=sub.body, headers=B)
    assert r.status_code == 422 and r.json() == {"missing_attachments": list(sub.attachments)}


def test_ids_are_compared_in_lower_case(client, keys):
    """Bad input: the same UUID upper-cased in the path, the body and the attachment path."""
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    upper = sub.id.upper()
    assert client.put(f"/v1/submissions/{upper}/attachments/{digest}", content=blob, headers=B).status_code == 201
    assert client.put(sub.url, json=sub.body, headers=B).status_code == 201
    shouted = dict(sub.body, submission_id=upper)
    replay = client.put(f"/v1/submissions/{upper}", json=shouted, headers=B)
    assert replay.status_code == 200 and replay.json()["submission_id"] == sub.id
    assert client.get(f"/v1/submissions/{upper}", headers=B).status_code == 200
    assert len(client.get("/v1/admin/submissions", headers=ADMIN).json()["submissions"]) == 1


def test_admin_names_the_kiosk_when_an_id_is_used_by_two(client, keys):
    """Bad input: the admin changes the status of an id two kiosks use, without saying whose."""
    sub = build_submission(keys, kiosk=KIOSK, n_attachments=0)
    client.put(sub.url, json=sub.body, headers=B)
    client.put(sub.url, json=dict(sub.body, kiosk_id=OTHER_KIOSK), headers=A)
    admin_url = f"/v1/admin/submissions/{sub.id}/status"
    r = client.post(admin_url, json={"status": "approved"}, headers=ADMIN)
    assert r.status_code == 409 and r.json()["kiosks"] == sorted([KIOSK, OTHER_KIOSK])
    assert client.post(f"{admin_url}?kiosk_id={KIOSK}", json={"status": "approved"}, headers=ADMIN).status_code == 204
    assert client.get(sub.url, headers=B).json()["status"] == "approved"
    assert client.get(sub.url, headers=A).json()["status"] == "received"
    assert client.get(f"{sub.url}?kiosk_id={OTHER_KIOSK}", headers=ADMIN).json()["status"] == "received"


#: The schema of the hub before kiosk namespaces (attachments as BLOBs, ids unique alone).
OLD_SCHEMA = """
CREATE TABLE attachments (submission_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    data BLOB NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (submission_id, sha256));
CREATE TABLE submissions (seq INTEGER PRIMARY KEY AUTOINCREMENT, submission_id TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL, service_code TEXT NOT NULL, content_sha256 TEXT NOT NULL, request TEXT NOT NULL,
    response TEXT NOT NULL, reference TEXT NOT NULL, status TEXT NOT NULL, received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, check_report TEXT NOT NULL);
CREATE TABLE catalogs (region TEXT NOT NULL, version INTEGER NOT NULL, bundle TEXT NOT NULL, etag TEXT NOT NULL,
    published_at TEXT NOT NULL, PRIMARY KEY (region, version));
CREATE TABLE heartbeats (kiosk_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, count INTEGER NOT NULL,
    body TEXT NOT NULL);
"""


@pytest.mark.parametrize("hub_database", ["sqlite"], indirect=True)  # version 0 was SQLite only
def test_a_data_dir_from_before_namespaces_keeps_working(make_app, keys, tmp_path):
    """An old database: its submission replays (same receipt), its attachments still check."""
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    with TestClient(make_app()) as client:  # make a receipt the old way's shape, then rewrite the file
        upload_attachments(client, sub)
        first = client.put(sub.url, json=sub.body, headers=B)
        row = client.get("/v1/admin/submissions", headers=ADMIN).json()["submissions"][0]
    for path in tmp_path.glob("hub.sqlite3*"):
        path.unlink()
    old = sqlite3.connect(tmp_path / "hub.sqlite3")
    old.executescript(OLD_SCHEMA)
    import hashlib
    import json

    from offline_queue.catalog_bundle import canonical_json
    from offline_queue.wire import SubmissionIn

    content = SubmissionIn.model_validate(sub.body).model_dump(mode="json")
    late = build_submission(keys, n_attachments=1)  # attachments uploaded, submission not yet delivered
    (late_digest, late_blob), = late.attachments.items()
    with old:
        old.execute("INSERT INTO attachments VALUES (?, ?, ?, ?, ?)", (sub.id, digest, len(blob), blob, "2026-11-23T09:00:00.000Z"))
        old.execute("INSERT INTO attachments VALUES (?, ?, ?, ?, ?)",
                    (late.id, late_digest, len(late_blob), late_blob, "2026-11-23T09:00:00.000Z"))
        old.execute(
            "INSERT INTO submissions VALUES (7, ?, ?, 'HK-001', ?, ?, ?, ?, 'received', ?, ?, ?)",
            (sub.id, KIOSK, hashlib.sha256(canonical_json(content)).hexdigest(), json.dumps(content),
             first.text, row["reference"], row["received_at"], row["received_at"], json.dumps(row["checks"])),
        )
    old.close()
    with TestClient(make_app()) as client:
        replay = client.put(sub.url, json=sub.body, headers=B)
        assert replay.status_code == 200 and replay.content == first.content
        # An upload whose submission had not come yet belonged to no kiosk: the station is
        # asked for it again (its ordinary 422 path) and then delivers.
        missing = client.put(late.url, json=late.body, headers=B)
        assert missing.status_code == 422 and missing.json() == {"missing_attachments": [late_digest]}
        upload_attachments(client, late)
        assert client.put(late.url, json=late.body, headers=B).status_code == 201
        assert client.put(f"{sub.url}/attachments/{digest}", content=blob, headers=B).status_code == 200
        new = build_submission(keys, n_attachments=0)
        assert client.put(new.url, json=new.body, headers=B).json()["reference"] == "GBA00000009"
    columns = [r[1] for r in sqlite3.connect(tmp_path / "hub.sqlite3").execute("PRAGMA table_info(attachments)")]
    assert "data" not in columns and "kiosk_id" in columns
