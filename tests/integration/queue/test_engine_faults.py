"""The sync engine over real HTTP on loopback, through a fault-injecting proxy.

After every scenario each submission is at the hub exactly once, its body is the one the
outbox built, and every attachment opens (with the platform's private key) to the bytes
the station enqueued.
"""

from __future__ import annotations

import email.utils
import time

import pytest

from offline_queue.api import NewSubmission, RecordState
from offline_queue.engine import AUTH_ALARM, CIRCUIT_THRESHOLD, Outcome
from offline_queue.sealing import Opener
from tests.integration.queue import http_doubles as hd
from tests.integration.queue.conftest import drain, make_engine, new_submission

N = 4


def assert_exactly_once(outbox, hub, enqueued, platform_keys) -> None:
    opener = Opener(platform_keys[0])
    assert sorted(hub.submissions) == sorted(e.submission_id for e, _ in enqueued)
    for done, sub in enqueued:
        body, receipt = hub.submissions[done.submission_id]
        status = outbox.status(done.submission_id)
        assert status.state is RecordState.DELIVERED
        assert status.reference == receipt["reference"]
        assert body["receipt_number"] == sub.receipt_number
        assert [a["role"] for a in body["attachments"]] == [a.role for a in sub.attachments]
        for ref, original in zip(body["attachments"], sub.attachments, strict=True):
            sealed = hub.attachments[(done.submission_id, ref["sha256"])]
            assert len(sealed) == ref["size"]
            assert opener.open(sealed) == original.data


def enqueue_all(outbox, n: int = N):
    subs = [new_submission(i) for i in range(n)]
    return [(outbox.enqueue(s), s) for s in subs]


SCENARIOS = [
    pytest.param(hd.Fault(hd.BEFORE_500, hd.submission_path, times=3), id="500-before-commit"),
    pytest.param(hd.Fault(hd.AFTER_500, hd.submission_path, times=3), id="500-after-commit"),
    pytest.param(hd.Fault(hd.RESET_BEFORE, hd.submission_path, times=3), id="reset-after-body-before-commit"),
    pytest.param(hd.Fault(hd.RESET_AFTER, hd.submission_path, times=3), id="reset-after-commit"),
    pytest.param(hd.Fault(hd.RESET_AFTER, hd.attachment_path, times=3), id="reset-after-attachment-commit"),
    pytest.param(hd.Fault(hd.BEFORE_500, hd.attachment_path, times=3), id="attachment-500"),
    pytest.param(hd.Fault(hd.THROTTLE, hd.submission_path, times=2, arg="3600"), id="429-retry-after-clamped"),
    pytest.param(hd.Fault(hd.SLOW, hd.submission_path, times=2, arg=1.0), id="slower-than-read-timeout"),
    pytest.param(hd.Fault(hd.GARBAGE, hd.submission_path, times=3), id="garbage-200"),
    pytest.param(hd.Fault(hd.OVERSIZED, hd.submission_path, times=3, arg=20_000), id="oversized-200"),
]


@pytest.mark.realstack
@pytest.mark.parametrize("fault", SCENARIOS)
def test_fault_scenario_delivers_exactly_once(fault, outbox, hub, proxy, platform_keys):
    """Bad input: the fault named in the test id, injected on the first matching requests."""
    enqueued = enqueue_all(outbox)
    proxy.add(fault)
    engine = make_engine(outbox, proxy.url)
    drain(engine)
    assert fault.times == 0, "the fault was never exercised"
    assert_exactly_once(outbox, hub, enqueued, platform_keys)


@pytest.mark.realstack
def test_503_with_http_date_retry_after_is_honoured(outbox, hub, proxy, platform_keys):
    """Bad input: 503 with Retry-After as an HTTP date 2 s ahead; the engine waits it out."""
    enqueued = enqueue_all(outbox, 1)
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    proxy.add(hd.Fault(hd.UNAVAILABLE, hd.submission_path, arg=when))
    engine = make_engine(outbox, proxy.url, retry_after_max_s=5)
    started = time.monotonic()
    drain(engine)
    assert time.monotonic() - started >= 1.0  # HTTP dates have 1 s resolution: at least 1 s is left
    assert_exactly_once(outbox, hub, enqueued, platform_keys)


@pytest.mark.realstack
def test_conflict_and_rejection_quarantine_without_blocking_others(outbox, hub, platform_keys):
    """Bad input: a 409 (id already delivered with other content) and a 422 with errors."""
    enqueued = enqueue_all(outbox, 4)
    conflicted, refused = enqueued[0][0].submission_id, enqueued[1][0].submission_id
    hub.submissions[conflicted] = ({"other": "content"}, {"reference": "REF-X"})
    hub.refuse.add(refused)
    engine = make_engine(outbox, hub.url)
    summary = engine.run_until_idle()
    assert (summary.delivered, summary.quarantined) == (2, 2)
    assert outbox.status(conflicted).state is RecordState.QUARANTINED
    assert hub.submissions[conflicted][0] == {"other": "content"}  # never overwritten
    counts = outbox.counts()
    assert counts.quarantine_reasons == {"conflict": 1, "rejected": 1}
    assert {e.submission_id for e, _ in enqueued[2:]} <= set(hub.submissions)
    assert engine.run_until_idle().delivered == 0  # quarantined records are not retried by themselves


def test_a_record_the_contract_refuses_is_quarantined_unsent(outbox, hub):
    """Bad input: a queued record whose receipt number is longer than the contract allows."""
    good = outbox.enqueue(new_submission(0))
    bad_sub = new_submission(1)
    bad = outbox.enqueue(NewSubmission(
        bad_sub.service_code, bad_sub.catalog_version, "R" * 65, bad_sub.payload, bad_sub.attachments
    ))
    summary = make_engine(outbox, hub.url).run_until_idle()
    assert (summary.delivered, summary.quarantined) == (1, 1)
    assert outbox.counts().quarantine_reasons == {"invalid": 1}
    assert set(hub.submissions) == {good.submission_id}
    assert not [key for key in hub.attachments if key[0] == bad.submission_id]  # nothing uploaded either


@pytest.mark.realstack
def test_missing_attachments_are_uploaded_again(outbox, hub, proxy, platform_keys):
    """Bad input: the platform lost the attachments between two attempts (422 missing)."""
    enqueued = enqueue_all(outbox, 1)
    engine = make_engine(outbox, proxy.url)
    proxy.add(hd.Fault(hd.BEFORE_500, hd.submission_path))
    assert engine.deliver_one() is Outcome.RETRY
    assert hub.attachment_puts == 2
    hub.attachments.clear()
    drain(engine)
    assert hub.attachment_puts == 4  # the retry PUT got 422 missing_attachments, uploaded both
    assert_exactly_once(outbox, hub, enqueued, platform_keys)


@pytest.mark.realstack
def test_retry_does_not_resend_attachments_the_platform_has(outbox, hub, proxy, platform_keys):
    """Bad input: a 500 on the submission PUT after both attachments were stored."""
    enqueued = enqueue_all(outbox, 1)
    engine = make_engine(outbox, proxy.url)
    proxy.add(hd.Fault(hd.BEFORE_500, hd.submission_path))
    drain(engine)
    assert hub.attachment_puts == 2 and hub.submission_puts == 1
    assert_exactly_once(outbox, hub, enqueued, platform_keys)


@pytest.mark.realstack
def test_refused_credentials_pause_and_keep_the_queue(outbox, hub, platform_keys):
    """Bad input: a wrong bearer token (401)."""
    enqueued = enqueue_all(outbox, 2)
    engine = make_engine(outbox, hub.url, token="wrong")
    summary = engine.run_until_idle()
    assert summary.auth_refused and summary.delivered == 0
    assert hub.submission_puts == 0 and hub.attachment_puts == 0  # 401 on the first attachment
    assert outbox.counts().pending == 2
    assert outbox.get_flag(AUTH_ALARM).startswith("http_401")
    assert engine.paused_for() > 0 and engine.deliver_one() is None
    fixed = make_engine(outbox, hub.url)
    drain(fixed)
    assert outbox.get_flag(AUTH_ALARM) is None
    assert_exactly_once(outbox, hub, enqueued, platform_keys)


@pytest.mark.realstack
@pytest.mark.parametrize("concurrency", [1, 4])
def test_unreachable_platform_opens_the_circuit(outbox, concurrency):
    """Bad input: nothing listens on the platform's port (connection refused)."""
    enqueue_all(outbox, 6)
    engine = make_engine(outbox, "http://127.0.0.1:9", backoff_base_s=5, backoff_cap_s=10, concurrency=concurrency)
    summary = engine.run_until_idle()
    assert summary.unreachable
    # Stops after the circuit threshold, does not spin the queue; concurrent workers may
    # already have started one record each, but no new record starts after a failure.
    assert CIRCUIT_THRESHOLD <= summary.retried <= max(CIRCUIT_THRESHOLD, concurrency)
    assert outbox.counts().pending == 6


@pytest.mark.realstack
def test_heartbeat_carries_queue_and_device_state(outbox, hub):
    enqueue_all(outbox, 2)
    engine = make_engine(outbox, hub.url)
    engine.device_states = lambda: {"printer": {"state": "degraded", "detail": {"paper": "low"}}}
    assert engine.heartbeat() == "ok"
    kiosk_id, body = hub.heartbeats[-1]
    assert kiosk_id == "GZ-HZ-0001"
    assert body["queue_depth"] == 2 and body["quarantined"] == 0
    assert body["devices"]["printer"]["detail"] == {"paper": "low"}
    assert body["free_disk_bytes"] > 0 and body["oldest_pending_age_s"] >= 0
    assert {"software_version", "catalog_region", "catalog_version", "uptime_s"} <= set(body)
