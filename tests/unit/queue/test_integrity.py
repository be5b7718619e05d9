"""A damaged queue database is noticed and salvaged: real SQLite files, damaged on disk.

Finding 7 of issue 12: 4 KiB of random bytes written into the file went unnoticed (integrity
"ok"), the damaged record was retried for ever, `export` wrote a `.bin` whose SHA-256 did not
match its name, and a truncated database could not be exported at all.
"""

from __future__ import annotations

import json

import pytest

from offline_queue import handcarry
from offline_queue.api import NewAttachment, NewSubmission, QueueError
from offline_queue.outbox import Outbox
from offline_queue.records import DamagedRecord
from offline_queue.sealing import Opener, Sealer, generate_keypair
from tests.support.handcarry_reader import read_export
from tests.unit.queue import damage

ATTACH = 30_000


@pytest.fixture
def keys() -> tuple[str, str]:
    return generate_keypair()


def _fill(path, keys, n: int) -> dict[str, NewSubmission]:
    """`n` records of 3 x 30 KB; closed afterwards (the WAL checkpointed into the file)."""
    subs = {}
    with Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0) as box:
        for i in range(n):
            sub = NewSubmission(
                "GZ-HJ-001", 1, f"440105-{i:06d}", {"i": i},
                tuple(NewAttachment(role, bytes([i, k]) * (ATTACH // 2)) for k, role in enumerate(("id-front", "id-back", "document"))),
            )
            subs[box.enqueue(sub).submission_id] = sub
    return subs


def _damage_one_attachment(path, keys) -> str:
    """Random bytes inside one stored attachment of the third record; returns its id."""
    with Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0) as box:
        record = list(box.undelivered())[2]
        blob = box.attachment_data(record, record.attachments[1].sha256)
    damage.random_bytes_inside(path, blob)
    return record.submission_id


def test_attachment_read_is_checked_against_its_hash(tmp_path, keys):
    path = tmp_path / "q.sqlite3"
    _fill(path, keys, 4)
    victim = _damage_one_attachment(path, keys)
    with Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0) as box:
        record = next(r for r in box.undelivered() if r.submission_id == victim)
        with pytest.raises(DamagedRecord, match="does not match its hash"):
            box.attachment_data(record, record.attachments[1].sha256)
        box.attachment_data(record, record.attachments[0].sha256)  # its neighbours are intact


def test_check_pending_finds_what_quick_check_cannot(tmp_path, keys):
    """Bad input: 4 KiB of random bytes inside an attachment; the file's structure is intact."""
    path = tmp_path / "q.sqlite3"
    _fill(path, keys, 6)
    victim = _damage_one_attachment(path, keys)
    with Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0) as box:
        report = box.check_pending(max_records=100, max_seconds=10)
        assert report.quick_check == "ok"  # SQLite does not see it...
        assert report.damaged == (victim,) and report.checked == 6 and not report.ok  # ...the hashes do
        assert victim in report.line() and "1 damaged" in report.line()
        bounded = box.check_pending(max_records=2, max_seconds=10)
        assert bounded.checked == 2 and bounded.damaged == ()  # bounded in count: the oldest two
        timed = box.check_pending(max_records=100, max_seconds=0)
        assert timed.checked <= 1 and "time bound reached" in timed.line()


def test_a_truncated_database_is_refused_at_open_naming_salvage(tmp_path, keys):
    """Bad input: the file cut to half its size. `queue status` and `doctor` print this line."""
    path = tmp_path / "q.sqlite3"
    _fill(path, keys, 20)
    damage.truncate(path, keep=0.5)
    with pytest.raises(QueueError, match=r"malformed.*queue export --salvage"):
        Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0)


def test_plain_export_refuses_a_damaged_record_and_names_salvage(tmp_path, keys):
    path = tmp_path / "q.sqlite3"
    _fill(path, keys, 4)
    _damage_one_attachment(path, keys)
    usb = tmp_path / "usb"
    usb.mkdir()
    with Outbox.open(path, Sealer(keys[1], "k1"), min_free_bytes=0) as box:
        with pytest.raises(handcarry.ExportError, match="--salvage"):
            handcarry.export(box, usb, "GZ-HZ-0001")
    assert list(usb.iterdir()) == []


def _check_salvage(done: handcarry.Export, subs: dict[str, NewSubmission], keys) -> None:
    """Every exported file matches the manifest, every attachment opens to what was queued,
    and every queued record is either exported or named as skipped."""
    carried = read_export(done.path)  # checks every file against the manifest
    manifest = json.loads((done.path / "manifest.json").read_text())
    assert manifest["skipped"] == list(done.skipped)
    assert set(carried.bodies) | {s for s in done.skipped if s in subs} == set(subs)
    assert set(carried.bodies).isdisjoint(done.skipped)
    opener = Opener(keys[0])
    for submission_id in carried.bodies:
        for file in (done.path / submission_id).glob("*.bin"):
            assert opener.open(file.read_bytes()) in {a.data for a in subs[submission_id].attachments}


def test_salvage_exports_the_intact_records_of_a_truncated_database(tmp_path, keys):
    """Bad input: the database file cut to 60% of its size (the plain export refuses it all)."""
    path = tmp_path / "q.sqlite3"
    subs = _fill(path, keys, 30)
    damage.truncate(path, keep=0.6)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = handcarry.salvage(path, usb, "GZ-HZ-0001")
    _check_salvage(done, subs, keys)
    assert 5 <= done.records < 30 and done.skipped


def test_salvage_skips_a_record_with_random_bytes_in_it(tmp_path, keys):
    """Bad input: 4 KiB of random bytes inside one record's attachment."""
    path = tmp_path / "q.sqlite3"
    subs = _fill(path, keys, 8)
    victim = _damage_one_attachment(path, keys)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = handcarry.salvage(path, usb, "GZ-HZ-0001")
    assert done.skipped == (victim,) and done.records == 7
    _check_salvage(done, subs, keys)


def test_salvage_with_random_bytes_mid_file(tmp_path, keys):
    """Bad input: 4 KiB of random bytes at the middle of the file, wherever they fall."""
    path = tmp_path / "q.sqlite3"
    subs = _fill(path, keys, 30)
    damage.random_bytes_mid_file(path)
    usb = tmp_path / "usb"
    usb.mkdir()
    done = handcarry.salvage(path, usb, "GZ-HZ-0001")
    _check_salvage(done, subs, keys)
    assert done.records >= 25


def test_salvage_of_a_file_that_is_no_database_says_so(tmp_path):
    """Bad input: a missing file, and random bytes named like a queue."""
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(handcarry.ExportError, match="not a queue database"):
        handcarry.salvage(tmp_path / "missing.sqlite3", usb, "GZ-HZ-0001")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"\x17" * 50_000)
    with pytest.raises(handcarry.ExportError, match="cannot read"):
        handcarry.salvage(junk, usb, "GZ-HZ-0001")
    assert list(usb.iterdir()) == []
