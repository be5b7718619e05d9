"""Submissions and attachments: every status code of the contract, replay and conflict."""

from __future__ import annotations

import copy
import hashlib
import json

from fastapi.testclient import TestClient

from tests.unit.hub.conftest import (
    ADMIN,
    KIOSK,
    OTHER_KIOSK,
    build_submission,
    kiosk_headers,
    upload_attachments,
)

H = kiosk_headers()


def admin_list(client):
    r = client.get("/v1/admin/submissions", headers=ADMIN)
    assert r.status_code == 200
    return r.json()["submissions"]


def test_attachment_201_then_200_for_same_hash(client, keys):
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    url = f"{sub.url}/attachments/{digest}"
    first = client.put(url, content=blob, headers=H)
    again = client.put(url, content=blob, headers=H)
    assert (first.status_code, again.status_code) == (201, 200)
    assert client.app.state.store.files.read(KIOSK, sub.id, digest) == blob


def test_attachment_hash_mismatch_is_400(client, keys):
    """Bad input: a body whose SHA-256 is not the one in the path (one byte changed)."""
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    r = client.put(f"{sub.url}/attachments/{digest}", content=blob[:-1] + b"\x00", headers=H)
    assert r.status_code == 400 and r.json()["error"] == "hash_mismatch"
    assert client.app.state.store.attachment_sizes(KIOSK, sub.id) == {}


def test_attachment_malformed_hash_or_id_is_400(client, keys):
    """Bad input: an upper-case / short hash in the path, and a submission id that is no UUID."""
    blob = b"x"
    digest = hashlib.sha256(blob).hexdigest()
    assert client.put(f"/v1/submissions/not-a-uuid/attachments/{digest}", content=blob, headers=H).status_code == 400
    sub = build_submission(keys, n_attachments=0)
    assert client.put(f"{sub.url}/attachments/{digest.upper()}", content=blob, headers=H).status_code == 400
    assert client.put(f"{sub.url}/attachments/{digest[:10]}", content=blob, headers=H).status_code == 400


def test_attachment_too_large_is_413(client, keys):
    """Bad input: an attachment one byte over max_attachment_bytes (64 KiB here)."""
    sub = build_submission(keys, n_attachments=0)
    blob = b"\x01" * (64 * 1024 + 1)
    r = client.put(f"{sub.url}/attachments/{hashlib.sha256(blob).hexdigest()}", content=blob, headers=H)
    assert r.status_code == 413


def test_attachment_at_the_limit_is_stored(client, keys):
    sub = build_submission(keys, n_attachments=0)
    blob = b"\x01" * (64 * 1024)
    r = client.put(f"{sub.url}/attachments/{hashlib.sha256(blob).hexdigest()}", content=blob, headers=H)
    assert r.status_code == 201


def test_attachment_too_large_without_content_length_is_413(client, keys):
    """Bad input: an oversized chunked body (no Content-Length to refuse it up front)."""
    sub = build_submission(keys, n_attachments=0)
    blob = b"\x02" * (64 * 1024 + 10)

    def chunks():
        for i in range(0, len(blob), 8192):
            yield blob[i : i + 8192]

    r = client.put(f"{sub.url}/attachments/{hashlib.sha256(blob).hexdigest()}", content=chunks(), headers=H)
    assert r.status_code == 413


def test_first_delivery_201_and_identical_replay_200_same_body(client, keys):
    sub = build_submission(keys)
    upload_attachments(client, sub)
    first = client.put(sub.url, json=sub.body, headers=H)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["submission_id"] == sub.id and body["status"] == "received"
    assert body["reference"].startswith("GBA") and body["received_at"].endswith("Z")
    replay = client.put(sub.url, json=sub.body, headers=H)
    assert replay.status_code == 200
    assert replay.content == first.content


def test_replay_with_unknown_fields_added_is_still_identical(client, keys):
    """Unknown JSON fields are ignored by both sides, so they do not make content 'different'."""
    sub = build_submission(keys)
    upload_attachments(client, sub)
    first = client.put(sub.url, json=sub.body, headers=H)
    extended = dict(sub.body, future_field={"x": 1})
    replay = client.put(sub.url, json=extended, headers=H)
    assert replay.status_code == 200 and replay.content == first.content


def test_different_content_same_id_is_409_and_original_kept(client, keys):
    """Bad input: the same id PUT again with another receipt number."""
    sub = build_submission(keys)
    upload_attachments(client, sub)
    first = client.put(sub.url, json=sub.body, headers=H)
    changed = copy.deepcopy(sub.body)
    changed["receipt_number"] = "440105-0001-999999"
    r = client.put(sub.url, json=changed, headers=H)
    assert r.status_code == 409 and r.json() == {"error": "conflict"}
    (row,) = admin_list(client)
    assert row["receipt_number"] == sub.body["receipt_number"]
    assert client.put(sub.url, json=sub.body, headers=H).content == first.content


def test_missing_attachments_422_lists_hashes_then_accepts(client, keys):
    sub = build_submission(keys, n_attachments=3)
    hashes = sorted(sub.attachments)
    first_hash = hashes[0]
    client.put(f"{sub.url}/attachments/{first_hash}", content=sub.attachments[first_hash], headers=H)
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422
    assert r.json() == {"missing_attachments": hashes[1:]}
    assert admin_list(client) == []
    upload_attachments_rest = {h: sub.attachments[h] for h in hashes[1:]}
    for h, blob in upload_attachments_rest.items():
        assert client.put(f"{sub.url}/attachments/{h}", content=blob, headers=H).status_code == 201
    assert client.put(sub.url, json=sub.body, headers=H).status_code == 201


def test_attachments_are_scoped_to_their_submission(client, keys):
    """Bad input: attachments uploaded under another submission id than the one declaring them."""
    sub = build_submission(keys, n_attachments=1)
    other = build_submission(keys, n_attachments=0)
    (digest, blob), = sub.attachments.items()
    client.put(f"{other.url}/attachments/{digest}", content=blob, headers=H)
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422 and r.json() == {"missing_attachments": [digest]}


def test_payload_that_does_not_open_is_refused_with_errors(client, keys):
    """Bad input: a payload sealed to a different platform key."""
    from offline_queue.sealing import Sealer, generate_keypair

    sub = build_submission(keys)
    upload_attachments(client, sub)
    _, wrong_public = generate_keypair()
    sub.body["sealed"] = Sealer(wrong_public, "hub-test").envelope(b'{"name": "x"}')
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422
    assert r.json() == {"errors": [{"field": "sealed", "message": "does not open with the platform key"}]}
    assert admin_list(client) == []


def test_payload_that_is_not_json_is_refused(client, keys):
    """Bad input: a sealed payload that opens but is not a JSON object."""
    sub = build_submission(keys, n_attachments=0)
    sub.body["sealed"] = keys.sealer.envelope(b"\xff\xfe not json")
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sealed"


def test_attachment_that_does_not_open_is_refused(client, keys):
    """Bad input: an attachment uploaded in plaintext instead of sealed."""
    sub = build_submission(keys, n_attachments=0)
    blob = b"plaintext image bytes"
    digest = hashlib.sha256(blob).hexdigest()
    client.put(f"{sub.url}/attachments/{digest}", content=blob, headers=H)
    sub.body["attachments"] = [{"sha256": digest, "size": len(blob), "role": "id-front"}]
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "attachments[0]", "message": "does not open with the platform key"}]


def test_wrong_recipient_key_id_and_size_are_listed_together(client, keys):
    """Bad input: an envelope naming another key id AND a wrong declared attachment size."""
    sub = build_submission(keys, n_attachments=1)
    upload_attachments(client, sub)
    sub.body["sealed"]["recipient_key_id"] = "someone-else"
    sub.body["attachments"][0]["size"] += 1
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["attachments[0].size", "sealed.recipient_key_id"]


def test_missing_and_mistyped_fields_are_refused_with_paths(client, keys):
    """Bad input: no service_code, catalog_version as a string, a bad hash, naive created_at."""
    sub = build_submission(keys, n_attachments=1)
    body = copy.deepcopy(sub.body)
    del body["service_code"]
    body["catalog_version"] = "42"
    body["attachments"][0]["sha256"] = "zz"
    body["created_at"] = "2026-11-23T08:59:00"
    r = client.put(sub.url, json=body, headers=H)
    assert r.status_code == 422
    fields = sorted(e["field"] for e in r.json()["errors"])
    assert fields == ["attachments[0].sha256", "catalog_version", "created_at", "service_code"]


def test_non_json_and_non_object_bodies_are_refused(client, keys):
    """Bad input: garbage bytes and a JSON array as submission bodies."""
    sub = build_submission(keys)
    r1 = client.put(sub.url, content=b"\x00garbage", headers=H)
    r2 = client.put(sub.url, json=[1, 2], headers=H)
    assert r1.status_code == r2.status_code == 422
    assert r1.json()["errors"][0]["field"] == "body"


def test_submission_too_large_is_413(client, keys):
    """Bad input: a submission body over max_submission_bytes (32 KiB here)."""
    sub = build_submission(keys)
    sub.body["padding"] = "x" * (33 * 1024)
    assert client.put(sub.url, json=sub.body, headers=H).status_code == 413


def test_path_and_body_ids_must_agree(client, keys):
    """Bad input: the body names another submission id than the path."""
    sub = build_submission(keys, n_attachments=0)
    other = build_submission(keys, n_attachments=0)
    r = client.put(other.url, json=sub.body, headers=H)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "submission_id"


def test_body_kiosk_must_be_the_authenticated_kiosk(client, keys):
    """Bad input: kiosk A's credentials delivering a body that claims kiosk B."""
    sub = build_submission(keys, kiosk=OTHER_KIOSK, n_attachments=0)
    r = client.put(sub.url, json=sub.body, headers=H)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kiosk_id"


def test_get_status_and_admin_status_change(client, keys):
    sub = build_submission(keys)
    upload_attachments(client, sub)
    client.put(sub.url, json=sub.body, headers=H)
    r = client.get(sub.url, headers=H)
    assert r.status_code == 200
    status = r.json()
    assert status["status"] == "received" and set(status["message"]) == {"zh-Hans", "zh-Hant", "en"}
    assert client.post(f"{sub.url.replace('/v1/', '/v1/admin/')}/status", json={"status": "approved"}, headers=ADMIN).status_code == 204
    assert client.get(sub.url, headers=H).json()["status"] == "approved"
    # The replay body stays the first 201's, whatever happened since.
    assert client.put(sub.url, json=sub.body, headers=H).json()["status"] == "received"


def test_admin_status_change_refuses_unknown_status_and_id(client, keys):
    """Bad input: a status outside the contract's list, and an unknown submission id."""
    sub = build_submission(keys, n_attachments=0)
    admin_url = f"/v1/admin/submissions/{sub.id}/status"
    assert client.post(admin_url, json={"status": "lost"}, headers=ADMIN).status_code == 422
    assert client.post(admin_url, json={"status": "approved"}, headers=ADMIN).status_code == 404


def test_get_unknown_is_404_and_other_kiosks_cannot_see(client, keys):
    """Bad input: an unknown id, and another kiosk asking for this kiosk's submission."""
    sub = build_submission(keys, n_attachments=0)
    assert client.get(sub.url, headers=H).status_code == 404
    client.put(sub.url, json=sub.body, headers=H)
    assert client.get(sub.url, headers=kiosk_headers(OTHER_KIOSK)).status_code == 404
    assert client.get(sub.url, headers=ADMIN).status_code == 200


def test_admin_listing_proves_the_round_trip_without_plaintext(client, keys):
    sub = build_submission(keys, payload={"name": "测试乙", "id_number": "110105194912310021"})
    upload_attachments(client, sub)
    client.put(sub.url, json=sub.body, headers=H)
    (row,) = admin_list(client)
    assert row["submission_id"] == sub.id and row["kiosk_id"] == KIOSK
    assert sorted(a["sha256"] for a in row["attachments"]) == sorted(sub.attachments)
    checks = row["checks"]
    assert checks["payload_opened"] and checks["payload_fields"] == ["id_number", "name"]
    assert checks["payload_sha256"] == hashlib.sha256(
        json.dumps({"name": "测试乙", "id_number": "110105194912310021"}, ensure_ascii=False).encode()
    ).hexdigest()
    assert checks["attachments_opened"] == 2
    listing = client.get("/v1/admin/submissions", headers=ADMIN).text
    assert "测试乙" not in listing and "110105194912310021" not in listing


def test_no_plaintext_in_the_hub_database(client, keys, tmp_path):
    sub = build_submission(keys, payload={"name": "测试丙", "id_number": "110105194912310048"})
    upload_attachments(client, sub)
    assert client.put(sub.url, json=sub.body, headers=H).status_code == 201
    with client.app.state.store.database.connection() as conn:  # every table, either engine
        for table in ("submissions", "attachments", "catalogs", "heartbeats", "audit_heads", "help_requests"):
            rows = repr(conn.execute(f"SELECT * FROM {table}").fetchall())
            assert "测试丙" not in rows and "110105194912310048" not in rows
    for path in tmp_path.glob("hub.sqlite3*"):  # SQLite's files too (PostgreSQL's are the cluster's)
        data = path.read_bytes()
        assert "测试丙".encode() not in data and b"110105194912310048" not in data


def test_fault_after_commit_then_retry_gets_the_same_receipt(make_app, keys, faults):
    """Bad input: a 500 after the hub committed (the client never saw the 201)."""
    faults.plan[("after_commit", "PUT")] = [500]
    with TestClient(make_app()) as client:
        sub = build_submission(keys, n_attachments=0)
        assert client.put(sub.url, json=sub.body, headers=H).status_code == 500
        retry = client.put(sub.url, json=sub.body, headers=H)
        assert retry.status_code == 200 and retry.json()["submission_id"] == sub.id
        assert len(admin_list(client)) == 1


def test_fault_before_commit_stores_nothing(make_app, keys, faults):
    """Bad input: a 503 before anything is stored; the retry is the first delivery."""
    faults.plan[("before", "PUT")] = [503]
    with TestClient(make_app()) as client:
        sub = build_submission(keys, n_attachments=0)
        assert client.put(sub.url, json=sub.body, headers=H).status_code == 503
        assert admin_list(client) == []
        assert client.put(sub.url, json=sub.body, headers=H).status_code == 201


def test_state_survives_a_new_app_on_the_same_file(make_app, keys):
    sub = build_submission(keys, n_attachments=1)
    with TestClient(make_app()) as client:
        upload_attachments(client, sub)
        first = client.put(sub.url, json=sub.body, headers=H)
    with TestClient(make_app()) as client:
        replay = client.put(sub.url, json=sub.body, headers=H)
    assert replay.status_code == 200 and replay.content == first.content


def test_fault_hook_may_answer_any_response(make_app, keys):
    """Bad input: the hub answers garbage with 200 after committing; the retry still replays."""
    from fastapi.responses import Response

    answers = [Response(b"<html>proxy error", status_code=200, media_type="text/html")]

    def hook(stage, method, path):
        return answers.pop() if stage == "after_commit" and answers else None

    with TestClient(make_app(fault_hook=hook)) as client:
        sub = build_submission(keys, n_attachments=0)
        garbage = client.put(sub.url, json=sub.body, headers=H)
        assert garbage.status_code == 200 and garbage.content == b"<html>proxy error"
        retry = client.put(sub.url, json=sub.body, headers=H)
        assert retry.status_code == 200 and retry.json()["submission_id"] == sub.id


def test_deeply_nested_json_is_refused_not_a_crash(client, keys):
    """Bad input: 20,000 nested arrays (json.loads raises RecursionError, not ValueError)."""
    sub = build_submission(keys, n_attachments=0)
    r = client.put(sub.url, content=b"[" * 20_000, headers=H)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
