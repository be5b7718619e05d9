"""Every duration, size and count in `[queue]` and `[sync]` is finite and bounded (issue 12,
finding 10): before, `backoff_cap_s = inf` paused delivery for ever after one 401,
`retry_after_max_s = inf` and `min_free_bytes = 1e20` were accepted, and a remote `http://`
platform with `tls_verify = false` passed silently."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from offline_queue.sealing import generate_keypair
from offline_queue.settings import QueueSettings, SyncSettings

PUBLIC = generate_keypair()[1]


@pytest.mark.parametrize(
    "field, value",
    [
        ("backoff_cap_s", float("inf")),
        ("backoff_cap_s", float("nan")),
        ("retry_after_max_s", float("inf")),
        ("backoff_base_s", 0.0),
        ("heartbeat_interval_s", 1e-9),
        ("catalog_poll_interval_s", float("inf")),
        ("max_response_bytes", 10**12),
        ("connect_timeout_s", float("inf")),
    ],
)
def test_sync_durations_and_sizes_are_bounded(field, value):
    with pytest.raises(ValidationError) as caught:
        SyncSettings(**{field: value})
    assert field in str(caught.value)


@pytest.mark.parametrize(
    "field, value", [("min_free_bytes", 10**20), ("retention_days", float("inf")), ("lease_seconds", 1e-9)]
)
def test_queue_sizes_and_durations_are_bounded(field, value):
    with pytest.raises(ValidationError) as caught:
        QueueSettings(sealing_public_key=PUBLIC, **{field: value})
    assert field in str(caught.value)


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"base_url": "http://platform.example.gov.cn"}, "plain http:// only to a loopback address"),
        ({"base_url": "http://10.0.0.5:8780"}, "plain http:// only to a loopback address"),
        ({"base_url": "https://platform.example.gov.cn", "tls_verify": False}, "tls_verify = false needs allow_insecure"),
    ],
)
def test_insecure_transport_needs_allow_insecure(settings, says):
    with pytest.raises(ValidationError) as caught:
        SyncSettings(**settings)
    assert says in str(caught.value)
    assert SyncSettings(**settings, allow_insecure=True)  # a test bench may, when it says so


@pytest.mark.parametrize("url", ["http://127.0.0.1:8780", "http://localhost:8780", "http://[::1]:8780", "https://x.example"])
def test_loopback_http_and_https_need_nothing(url):
    assert SyncSettings(base_url=url).base_url == url
