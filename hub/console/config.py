"""What one hub's fleet console is given (`create_app(console=...)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.fleet import FleetRules


@dataclass(frozen=True)
class ConsoleConfig:
    """`admins`: login name -> password hash (`hub.console.passwords`). Sessions end after
    `session_idle_s` without a request or `session_max_s` in all. Pages re-fetch themselves
    every `refresh_s`. With `webhook_url`, new alerts are POSTed there as JSON (checked every
    `webhook_interval_s`, each POST within `webhook_timeout_s`, `webhook_attempts` tries)."""

    admins: Mapping[str, str]
    rules: FleetRules = field(default_factory=FleetRules)
    session_idle_s: float = 30 * 60
    session_max_s: float = 8 * 3600
    refresh_s: float = 15.0
    webhook_url: str | None = None
    webhook_interval_s: float = 30.0
    webhook_timeout_s: float = 5.0
    webhook_attempts: int = 3
