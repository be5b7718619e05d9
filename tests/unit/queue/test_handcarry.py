"""The hand-carry export on a real outbox file, read back by an independent manifest reader."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from offline_queue import handcarry
from offline_queue.api import NewAttachment, NewSubmission
from offline_queue.outbox import Outbox
from offline_queue.sealing import Opener, Sealer, generate_keypair
from tests.support.handcarry_reader import read_export

WHEN = datetime(2026, 11, 23, 13, 35, 7, tzinfo=UTC)
NAME = "测试甲"


@pytest.fixture
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture
def outbox(tmp_path, keys):
    box = Outbox.open(tmp_path / "q.sqlite3", Sealer(keys[1], "k1"), min_free_bytes=0)
    yield box
    box.close()


def fill(outbox: Outbox, n: int) -> list[NewSubmission]:
    subs = [
        NewSubmission(
            "GZ-HJ-001", 1, f"440105-{i:06d}", {"name": NAME, "i": i},
            tuple(NewAttachment(role, bytes([i]) * 700 + NAME.encode()) for role in ("id-front", "id-back")[: i % 3]),
        )
        for i in range(n)
    ]
    for sub in subs:
        outbox.enqueue(sub)
    return subs


def test_export_is_the_documented_format_and_every_hash_checks(outbox, keys, tmp_path):
    subs = fill(outbox, 4)
    delivered = outbox.claim("d")
    outbox.delivered(delivered, "REF-1", None)  # delivered records are not carried
    usb = tmp_path / "usb"
    usb.mkdir()
    done = handcarry.export(outbox, usb, "GZ-HZ-0001", WHEN)
    assert done.path == usb / "kiosk-export-GZ-HZ-0001-20261123T133507Z" and done.records == 3
    carried = read_export(done.path)
    assert carried.manifest["kiosk_id"] == "GZ-HZ-0001"
    assert carried.manifest["created_at"] == "2026-11-23T13:35:07.000Z"
    records = {r.submission_id: r for r in outbox.undelivered()}
    assert list(carried.bodies) == list(records)  # oldest first
    opener = Opener(keys[0])
    for submission_id, body in carried.bodies.items():
        assert body == records[submission_id].body("GZ-HZ-0001")  # the exact PUT bytes
    originals = {a.data for sub in subs[1:] for a in sub.attachments}
    assert {opener.open(data) for data in carried.attachments.values()} == originals
    assert len(carried.attachments) == 1 + 2 + 0  # subs 1..3 carry 1, 2, 0 attachments
    for path in done.path.rglob("*"):
        if path.is_file():
            assert NAME.encode() not in path.read_bytes()


def test_an_empty_queue_exports_an_empty_manifest(outbox, tmp_path):
    done = handcarry.export(outbox, tmp_path, "GZ-HZ-0001", WHEN)
    carried = read_export(done.path)
    assert done.records == 0 and carried.manifest["files"] == [] and carried.manifest["submissions"] == []


def test_an_export_never_overwrites_an_earlier_one(outbox, tmp_path):
    """Bad input: two exports in the same second, and a folder of that name already there."""
    fill(outbox, 1)
    squatter = tmp_path / "kiosk-export-GZ-HZ-0001-20261123T133507Z"
    squatter.mkdir()
    (squatter / "manifest.json").write_text("someone else's")
    first = handcarry.export(outbox, tmp_path, "GZ-HZ-0001", WHEN)
    second = handcarry.export(outbox, tmp_path, "GZ-HZ-0001", WHEN)
    assert (first.path.name, second.path.name) == (f"{squatter.name}-2", f"{squatter.name}-3")
    assert (squatter / "manifest.json").read_text() == "someone else's"
    read_export(first.path), read_export(second.path)


def test_a_kiosk_id_cannot_leave_the_directory(outbox, tmp_path):
    """Bad input: a kiosk id with path separators."""
    done = handcarry.export(outbox, tmp_path, "../../etc/x", WHEN)
    assert done.path.parent == tmp_path and done.path.name == "kiosk-export-.._.._etc_x-20261123T133507Z"
    assert read_export(done.path).manifest["kiosk_id"] == "../../etc/x"


def test_refuses_a_directory_that_is_not_there(outbox, tmp_path):
    """Bad input: the USB stick is not mounted; nothing is created on the station's disk."""
    with pytest.raises(handcarry.ExportError, match="not a directory"):
        handcarry.export(outbox, tmp_path / "media" / "usb", "GZ-HZ-0001", WHEN)
    assert not (tmp_path / "media").exists()


def test_an_attachment_that_does_not_match_its_hash_is_refused(outbox, tmp_path):
    """Bad input: an attachment's bytes in the queue database changed after it was queued."""
    fill(outbox, 3)
    conn = sqlite3.connect(outbox.path)
    with conn:
        conn.execute("UPDATE attachments SET data = CAST(zeroblob(LENGTH(data)) AS BLOB) WHERE submission_seq = 3 AND position = 1")
    conn.close()
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(handcarry.ExportError, match="does not match its hash or size") as caught:
        handcarry.export(outbox, usb, "GZ-HZ-0001", WHEN)
    assert NAME not in str(caught.value)
    assert list(usb.iterdir()) == []  # no half export left to be mistaken for a whole one
