"""Pure rules of the sync engine and its settings: Retry-After, full jitter, validation."""

from __future__ import annotations

import email.utils

import pytest
from pydantic import ValidationError

from offline_queue.engine import SyncSummary, parse_retry_after
from offline_queue.settings import QueueSettings, SyncSettings

KEY = "PbyrhVRcqcOlfSkLEL30Ka8VTm07XNZRMLcVGVz+bDc="  # a valid X25519 public key
LOW_ORDER_KEY = "A" * 43 + "="  # 32 zero bytes: right length, no shared secret


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", now=0) == 120
    now = 1_800_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3", "Mon, 99 Foo 2026"])
def test_retry_after_unusable_values_fall_back_to_backoff(value):
    """Bad input: Retry-After values that are neither delta-seconds nor an HTTP date."""
    assert parse_retry_after(value, now=0) is None


def _engine_backoff(rng_value: float, attempts: int, base: float = 2, cap: float = 60) -> float:
    from offline_queue.engine import SyncEngine

    engine = SyncEngine.__new__(SyncEngine)  # only the timing rule is under test: no outbox
    engine.settings = SyncSettings(backoff_base_s=base, backoff_cap_s=cap)
    engine._rng = lambda: rng_value
    return engine.backoff(attempts)


def test_full_jitter_backoff_is_bounded_by_base_doubling_and_cap():
    assert _engine_backoff(1.0, 0) == 2
    assert _engine_backoff(1.0, 3) == 16
    assert _engine_backoff(1.0, 10) == 60
    assert _engine_backoff(1.0, 10_000) == 60  # no overflow after days offline
    assert _engine_backoff(0.0, 5) == 0
    assert _engine_backoff(0.5, 2) == 4


def test_summary_line_has_no_personal_fields():
    summary = SyncSummary(delivered=3, retried=1, errors={"http_500": 1}, catalog="not_modified", heartbeat="ok")
    line = summary.line(pending=2, elapsed_s=1.25)
    assert line == (
        "sync: delivered=3 quarantined=0 retry_later=1 throttled=0 pending=2 errors=http_500:1"
        " auth=ok network=ok catalog=not_modified heartbeat=ok in 1.2s"
    )


def test_queue_settings_require_a_valid_public_key():
    """Bad input: a sealing key that is not 32 bytes of base64, a low-order point, an unknown key."""
    assert QueueSettings(sealing_public_key=KEY).retention_days == 30
    with pytest.raises(ValidationError, match="32 bytes"):
        QueueSettings(sealing_public_key="AAAA")
    with pytest.raises(ValidationError, match="not usable for X25519"):
        QueueSettings(sealing_public_key=LOW_ORDER_KEY)
    with pytest.raises(ValidationError, match="Extra inputs"):
        QueueSettings(sealing_public_key=KEY, sealing_secret="x")


def test_sync_settings_refuse_inconsistent_values():
    """Bad input: cap below base, a client key without a certificate, a bad admin key."""
    with pytest.raises(ValidationError, match="backoff_cap_s"):
        SyncSettings(backoff_base_s=10, backoff_cap_s=1)
    with pytest.raises(ValidationError, match="client_key needs client_cert"):
        SyncSettings(client_key="key.pem")
    with pytest.raises(ValidationError, match="trusted_admin_keys.gz"):
        SyncSettings(trusted_admin_keys={"gz": "not-base64!"})
    assert "station-secret" not in repr(SyncSettings(token="station-secret"))
