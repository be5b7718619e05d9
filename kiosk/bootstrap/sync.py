"""The sync daemon (`run_kiosk.py sync`), built from config."""

from __future__ import annotations

from offline_queue.client import ServiceClient
from offline_queue.daemon import SyncDaemon
from offline_queue.device_states import read_device_states
from offline_queue.engine import SyncEngine

from kiosk.bootstrap import parts
from kiosk.config import Config
from kiosk.health.systemd import SdNotifier


def build_sync_daemon(config: Config) -> SyncDaemon:
    """Outbox, service client, engine (heartbeats carry the station app's device states),
    audit trail (catalog installs and refusals) and systemd's notifier, in one daemon.

    Raises `offline_queue.api.QueueError` (queue) or `sqlite3.Error`/`OSError` (audit trail).
    """
    outbox = parts.outbox(config)
    try:
        audit = parts.audit_trail(config, outbox)
    except BaseException:
        outbox.close()
        raise
    engine = SyncEngine(
        outbox,
        service_client(config),
        config.sync,
        device_states=lambda: read_device_states(outbox),
        audit_head=audit.head,  # anchors the trail at the platform (SERVICE_API 1.1)
    )
    return SyncDaemon(engine, audit=audit, systemd=SdNotifier())


def service_client(config: Config) -> ServiceClient:
    """The platform's API as this station speaks it (`[sync]`: address, token, TLS)."""
    return ServiceClient(config.sync)
