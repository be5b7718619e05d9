"""Recovery after faults (finding 12 of issue 12), over real HTTP on loopback.

A 429 no longer raises the record's own backoff; attachments the platform confirmed are not
sent again (after a retry or a crash); records that failed for network reasons only are due
at once when the network answers again.
"""

from __future__ import annotations

import time

from offline_queue.engine import CIRCUIT_THRESHOLD, Outcome
from tests.integration.queue import http_doubles as hd
from tests.integration.queue.conftest import drain, make_engine, new_submission


def _row(outbox, submission_id: str, column: str):
    return outbox._db.conn.execute(f"SELECT {column} FROM submissions WHERE id = ?", (submission_id,)).fetchall()[0][0]


def test_429_paces_the_engine_without_counting_an_attempt(outbox, hub, proxy):
    """Bad input: 429 with Retry-After: 1 on the first submission PUT."""
    done = outbox.enqueue(new_submission(0))
    proxy.add(hd.Fault(hd.THROTTLE, hd.submission_path, arg="1"))
    engine = make_engine(outbox, proxy.url, retry_after_max_s=5)
    assert engine.deliver_one() is Outcome.THROTTLED
    assert 0.5 < engine.paused_for() <= 1.0  # the whole engine waits
    engine.flush()
    assert _row(outbox, done.submission_id, "attempts") == 0  # not the record's failure
    assert _row(outbox, done.submission_id, "next_attempt_ts") > time.time() + 0.5
    drain(engine)
    assert _row(outbox, done.submission_id, "attempts") == 1  # the delivery itself
    assert hub.submission_puts == 1


def test_a_retry_uploads_only_what_the_platform_has_not_confirmed(outbox, hub, proxy):
    """Bad input: the second attachment's upload answers 500; the retry sends only that one
    and then the submission, with no PUT answered 422 first."""
    outbox.enqueue(new_submission(0))
    uploads = []
    proxy.add(hd.Fault(hd.BEFORE_500, lambda m, p: hd.attachment_path(m, p) and bool(uploads.append(p)) or len(uploads) == 2))
    engine = make_engine(outbox, proxy.url)
    drain(engine)
    assert len(hub.attachments) == 2 and len(hub.submissions) == 1
    assert hub.attachment_puts == 2  # each attachment reached the hub once
    assert hub.submission_puts == 1  # no PUT -> 422 round trip on the retry


def test_after_a_crash_confirmed_attachments_are_not_sent_again(outbox, hub, proxy):
    """Bad input: the daemon dies after the first attachment was confirmed (its outcome never
    written); the next daemon takes the record over when the lease expires."""
    outbox.enqueue(new_submission(0))
    first = make_engine(outbox, proxy.url)
    [record] = outbox.claim_batch("crashed-daemon", 1)
    proxy.add(hd.Fault(hd.RESET_BEFORE, lambda m, p: hd.attachment_path(m, p) and hub.attachment_puts >= 1))
    first._attempt(record)  # first upload confirmed, the second reset: then the process "dies"
    assert hub.attachment_puts == 1
    second = make_engine(outbox, proxy.url)
    records = outbox.claim_batch("next-daemon", 1, now=time.time() + outbox.lease_seconds + 1)
    assert [r.submission_id for r in records] == [record.submission_id]
    assert [ref.accepted for ref in records[0].attachments] == [True, False]
    outbox.release(records[0])
    drain(second)
    assert hub.attachment_puts == 2 and len(hub.submissions) == 1


def test_network_failures_are_due_at_once_when_the_network_answers(outbox, hub, proxy):
    """Bad input: connections reset until the circuit opens, with a 5-minute backoff base; then
    the network is back: one heartbeat gets through and every record goes at once."""
    enqueued = [outbox.enqueue(new_submission(i)) for i in range(4)]
    proxy.add(hd.Fault(hd.RESET_BEFORE, hd.attachment_path, times=CIRCUIT_THRESHOLD))
    engine = make_engine(outbox, proxy.url, backoff_base_s=300, backoff_cap_s=600, concurrency=1)
    engine._rng = lambda: 1.0
    summary = engine.run_until_idle()
    assert summary.unreachable and summary.retried == CIRCUIT_THRESHOLD
    backing_off = [e for e in enqueued if _row(outbox, e.submission_id, "next_attempt_ts") > time.time() + 200]
    assert len(backing_off) == CIRCUIT_THRESHOLD  # each waits 300-600 s on its own
    assert engine.heartbeat() == "ok"  # the network answers again
    started = time.monotonic()
    drain(engine, timeout=10)
    assert time.monotonic() - started < 5
    assert len(hub.submissions) == 4


def test_a_record_refused_for_its_own_reasons_keeps_its_backoff(outbox, hub, proxy):
    """Bad input: a garbage 200 (not a network failure) on one record, then the network works."""
    bad = outbox.enqueue(new_submission(0))
    proxy.add(hd.Fault(hd.GARBAGE, hd.submission_path, times=1))
    engine = make_engine(outbox, proxy.url, backoff_base_s=300, backoff_cap_s=600)
    engine._rng = lambda: 1.0
    assert engine.deliver_one() is Outcome.RETRY
    engine.flush()
    good = outbox.enqueue(new_submission(1))
    engine.run_until_idle()
    assert outbox.status(good.submission_id).state.value == "delivered"
    assert outbox.status(bad.submission_id).state.value == "pending"
    assert _row(outbox, bad.submission_id, "next_attempt_ts") > time.time() + 200


def test_while_the_network_is_down_one_record_probes_it(outbox, hub, proxy):
    """Bad input: the platform unreachable (every request reset) past the circuit threshold;
    no record is due for an hour, yet when the circuit's pause ends one record is tried."""
    for i in range(3):
        outbox.enqueue(new_submission(i))
    proxy.add(hd.Fault(hd.RESET_BEFORE, hd.attachment_path, times=100))
    engine = make_engine(outbox, proxy.url, concurrency=1)
    engine._rng = lambda: 0.0  # no waiting in this test: the circuit's pause ends at once
    for _ in range(CIRCUIT_THRESHOLD):
        assert engine.deliver_one() is Outcome.RETRY
    engine.flush()
    outbox._db.conn.execute("UPDATE submissions SET next_attempt_ts = ?", (time.time() + 3600,))
    assert engine.deliver_one() is Outcome.RETRY  # the probe
    assert len(proxy.applied) == CIRCUIT_THRESHOLD + 1
