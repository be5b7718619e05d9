"""Configuration of the offline queue (`[queue]`) and the sync daemon (`[sync]`).

Two sections because two processes read them for different reasons: the station only
enqueues (it needs the database, the disk floor and the platform's public sealing key), the
daemon delivers (it also needs the platform's address, credentials and timing). Durations are
seconds, sizes bytes; paths are relative to the config file (the composition root resolves
them).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from urllib.parse import urlsplit
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from offline_queue.sealing import Sealer, SealingError


def _check_key(value: str, what: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"{what} must decode to 32 bytes, got {len(raw)}")
    return value


class QueueSettings(BaseModel):
    """The durable outbox: where it lives, how long it keeps things, what it seals to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    db_path: Path = Field(
        default=Path("var/queue.sqlite3"),
        description="SQLite database of the outbox and the catalog state (WAL; -wal/-shm files beside it)",
    )
    retention_days: float = Field(
        default=30.0, ge=0, le=3650, description="Delivered records are purged this many days after delivery"
    )
    min_free_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=0,
        le=2**44,  # 16 TiB: a floor no station disk reaches would refuse every submission
        description="Free-disk floor: below it new submissions are refused (queued ones are kept)",
    )
    lease_seconds: float = Field(
        default=120.0,
        ge=5,
        le=3600,
        description="A record being delivered is leased this long; a crashed daemon's lease expires and it is retried",
    )
    sealing_public_key: str | None = Field(
        default=None,
        description="The service platform's X25519 public key (base64 of 32 bytes); payloads and attachments are "
        "sealed to it. Unset until the station is provisioned: the queue can be read, nothing can be enqueued",
    )
    sealing_key_id: str = Field(
        default="platform-2026",
        min_length=1,
        description="Name of that key on the wire (`sealed.recipient_key_id`)",
    )

    @field_validator("sealing_public_key")
    @classmethod
    def _valid_public_key(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            Sealer(value, "check")  # also refuses a low-order point, which base64 and length pass
        except SealingError as exc:
            raise ValueError(str(exc)) from None
        return value


class SyncSettings(BaseModel):
    """The sync daemon: the platform's address and credentials, timeouts, retry and polling policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(
        default="http://127.0.0.1:8780",
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="Root of the service API (the part before /v1/...); http:// only to loopback unless allow_insecure",
    )
    allow_insecure: bool = Field(
        default=False,
        description="Allow plain http:// to a remote platform and tls_verify = false (test benches only)",
    )
    kiosk_id: str = Field(default="GZ-HZ-0001", min_length=1, description="Sent as the Kiosk-Id header")
    token: SecretStr = Field(default=SecretStr(""), description="Bearer token (never logged)")
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120, description="TCP/TLS connect timeout")
    read_timeout_s: float = Field(default=30.0, gt=0, le=600, description="Timeout between bytes of a response")
    tls_verify: bool = Field(default=True, description="Verify the platform's TLS certificate")
    ca_bundle: Path | None = Field(default=None, description="CA bundle to verify the platform with (instead of the system's)")
    client_cert: Path | None = Field(default=None, description="TLS client certificate (PEM)")
    client_key: Path | None = Field(default=None, description="Private key of the client certificate (PEM)")
    backoff_base_s: float = Field(
        default=2.0, gt=0, le=300, description="Full-jitter backoff: first retry waits up to this long"
    )
    backoff_cap_s: float = Field(default=600.0, gt=0, le=3600, description="Full-jitter backoff: no wait is longer than this")
    retry_after_max_s: float = Field(default=900.0, gt=0, le=86400, description="A server's Retry-After is clamped to this")
    heartbeat_interval_s: float = Field(default=60.0, ge=1, le=3600, description="Seconds between heartbeats")
    catalog_poll_interval_s: float = Field(default=300.0, ge=1, le=86400, description="Seconds between catalog pulls")
    idle_poll_s: float = Field(
        default=2.0, gt=0, le=60, description="When nothing is due, look for new submissions this often"
    )
    batch_size: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Records leased per transaction; outcomes are written with the next lease (one fsync per batch)",
    )
    concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description="Records delivered at once, each by its own worker and HTTP session (oldest first)",
    )
    region: str = Field(default="440105", pattern=r"^\d{6}$", description="Catalog region this station accepts")
    trusted_admin_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Catalog signing keys: key id -> base64 Ed25519 public key",
    )
    max_response_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="A response larger than this is a transient failure, never success",
    )

    @field_validator("trusted_admin_keys")
    @classmethod
    def _valid_admin_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key_id, key in value.items():
            _check_key(key, f"trusted_admin_keys.{key_id}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SyncSettings:
        if self.backoff_cap_s < self.backoff_base_s:
            raise ValueError("backoff_cap_s must be >= backoff_base_s")
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key needs client_cert")
        if not self.allow_insecure:
            url = urlsplit(self.base_url)
            if url.scheme == "http" and not _is_loopback(url.hostname or ""):
                raise ValueError("base_url: plain http:// only to a loopback address (set allow_insecure = true on a test bench)")
            if not self.tls_verify:
                raise ValueError("tls_verify = false needs allow_insecure = true (test benches only)")
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
