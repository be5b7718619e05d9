"""Attachments on disk, and orphans purged (issue 12 finding 6: uploads were held whole in
memory and kept in the database; attachments under ids that never got a submission were kept
for ever)."""

from __future__ import annotations

import stat
import time
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.unit.hub.conftest import KIOSK, build_submission, kiosk_headers, upload_attachments

H = kiosk_headers()


def attachment_files(tmp_path):
    return sorted(p for p in (tmp_path / "attachments").rglob("*") if p.is_file())


def test_attachments_are_files_of_mode_0600_not_database_rows(client, keys, tmp_path):
    sub = build_submission(keys, n_attachments=2)
    upload_attachments(client, sub)
    files = attachment_files(tmp_path)
    assert sorted(p.read_bytes() for p in files) == sorted(sub.attachments.values())
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    assert stat.S_IMODE((tmp_path / "attachments").stat().st_mode) == 0o700
    sizes = {digest: len(blob) for digest, blob in sub.attachments.items()}
    assert client.app.state.store.attachment_sizes(KIOSK, sub.id) == sizes  # rows: sizes, not bytes
    assert client.put(sub.url, json=sub.body, headers=H).status_code == 201


def test_a_refused_upload_leaves_no_file(client, keys, tmp_path):
    """Bad input: a body whose hash differs from the path, and one over the size limit."""
    sub = build_submission(keys, n_attachments=1)
    (digest, blob), = sub.attachments.items()
    assert client.put(f"{sub.url}/attachments/{digest}", content=blob + b"x", headers=H).status_code == 400
    assert client.put(f"{sub.url}/attachments/{digest}", content=b"x" * (64 * 1024 + 1), headers=H).status_code == 413
    assert attachment_files(tmp_path) == []


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_orphan_attachments_are_purged_after_seven_days_by_the_periodic_task(make_app, keys, clock, tmp_path):
    """Bad input: attachments uploaded under an id that never gets a submission."""
    orphan = build_submission(keys, n_attachments=1)
    delivered = build_submission(keys, n_attachments=1)
    with TestClient(make_app(orphan_purge_interval_s=0.02)) as client:
        upload_attachments(client, orphan)
        upload_attachments(client, delivered)
        assert client.put(delivered.url, json=delivered.body, headers=H).status_code == 201
        clock.now += timedelta(days=6, hours=23)
        time.sleep(0.2)  # several purge rounds: nothing is old enough yet
        assert len(attachment_files(tmp_path)) == 2
        clock.now += timedelta(hours=2)
        wait_until(lambda: len(attachment_files(tmp_path)) == 1)
        assert attachment_files(tmp_path)[0].read_bytes() == next(iter(delivered.attachments.values()))
        # The purged orphan is gone from the database too: its submission now lacks it.
        r = client.put(orphan.url, json=orphan.body, headers=H)
        assert r.status_code == 422 and r.json() == {"missing_attachments": list(orphan.attachments)}
