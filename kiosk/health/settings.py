"""Config section of the device supervisor and its metrics: `[supervisor]`."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PolicySettings(BaseModel):
    """What a missing device does to the services on offer."""

    model_config = ConfigDict(extra="forbid")

    printer_down: Literal["allow_with_screen_receipt", "refuse"] = Field(
        default="allow_with_screen_receipt",
        description="printer not usable: keep accepting submissions and show the receipt number on screen, or refuse",
    )


class SupervisorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    probe_interval_s: float = Field(default=15.0, ge=1, le=3600, description="seconds between device probes")
    probe_timeout_s: float = Field(default=5.0, ge=0.1, le=60, description="a probe that takes longer counts as down")
    policy: PolicySettings = Field(default_factory=PolicySettings, description="service availability policy")
    metrics_path: str = Field(
        default="var/metrics/kiosk.prom",
        description="Prometheus text-format file (relative to the config file, like every path), rewritten "
        "atomically after each probe round; empty = off (point node_exporter's textfile collector at its directory)",
    )
    metrics_port: int = Field(default=0, ge=0, le=65535, description="serve /metrics over HTTP on this port; 0 = off")
    metrics_bind: str = Field(default="127.0.0.1", description="address for the metrics endpoint: loopback only")

    @field_validator("metrics_bind")
    @classmethod
    def _loopback_only(cls, value: str) -> str:
        try:
            if ipaddress.ip_address(value).is_loopback:
                return value
        except ValueError:
            pass
        raise ValueError("the metrics endpoint binds to a loopback address only (127.0.0.1 or ::1)")
