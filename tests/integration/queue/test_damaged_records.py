"""A record whose stored bytes were damaged on disk is quarantined `corrupt`, never retried for
ever (finding 7 of issue 12: it retried `attachment_http_400` without end). Real SQLite file,
damaged on disk; the stand-in hub over loopback."""

from __future__ import annotations

from offline_queue.api import RecordState
from offline_queue.outbox import Outbox
from offline_queue.sealing import Sealer
from tests.integration.queue.conftest import drain, make_engine, new_submission
from tests.unit.queue import damage


def test_damaged_attachment_is_quarantined_corrupt_and_the_rest_delivered(tmp_path, platform_keys, hub):
    """Bad input: 4 KiB of random bytes inside one stored attachment of the second record."""
    path = tmp_path / "queue.sqlite3"
    with Outbox.open(path, Sealer(platform_keys[1], "platform-test"), min_free_bytes=0) as box:
        ids = [box.enqueue(new_submission(i, attach_bytes=40_000)).submission_id for i in range(3)]
        victim = list(box.undelivered())[1]
        blob = box.attachment_data(victim, victim.attachments[1].sha256)
    damage.random_bytes_inside(path, blob)
    with Outbox.open(path, Sealer(platform_keys[1], "platform-test"), min_free_bytes=0) as box:
        drain(make_engine(box, hub.url))
        assert box.status(victim.submission_id).state is RecordState.QUARANTINED
        assert box.counts().quarantine_reasons == {"corrupt": 1}
        assert [box.status(i).state for i in ids if i != victim.submission_id] == [RecordState.DELIVERED] * 2
    assert victim.submission_id not in hub.submissions
    assert (victim.submission_id, victim.attachments[1].sha256) not in hub.attachments  # never sent


def test_damaged_payload_is_quarantined_corrupt(tmp_path, platform_keys, hub):
    """Bad input: the stored sealed payload replaced by random bytes of its length after it was queued."""
    path = tmp_path / "queue.sqlite3"
    with Outbox.open(path, Sealer(platform_keys[1], "platform-test"), min_free_bytes=0) as box:
        done = box.enqueue(new_submission(0))
        box._db.conn.execute(
            "UPDATE submissions SET sealed_payload = randomblob(length(sealed_payload)) WHERE id = ?", (done.submission_id,)
        )
        drain(make_engine(box, hub.url))
        assert box.status(done.submission_id).state is RecordState.QUARANTINED
        assert box.counts().quarantine_reasons == {"corrupt": 1}
    assert hub.submission_puts == 0 and hub.attachment_puts == 0
