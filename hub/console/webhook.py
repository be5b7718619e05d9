"""Alerts POSTed as JSON to a configured webhook (optional; `ConsoleConfig.webhook_url`).

Every `webhook_interval_s` the hub works out the fleet's alerts (`hub.fleet`); those not yet
delivered are POSTed in one body `{"alerts": [{"kiosk_id", "kind", "detail"}, ...],
"sent_at"}`. Each POST has a timeout and is tried `webhook_attempts` times with a growing
pause; an alert counts as delivered once a POST carrying it got a 2xx, and is sent again if
it clears and comes back. A round that fails is logged (no station data beyond ids) and its
alerts are tried again next round. Alerts carry no personal data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool

from hub.console.config import ConsoleConfig
from hub.database import DATABASE_ERRORS
from hub.fleet import Alert
from hub.service import HubService

log = logging.getLogger("hub")


def post_json(url: str, body: dict, timeout_s: float, attempts: int, pause_s: float = 1.0) -> bool:
    """POST `body`; True on a 2xx within `attempts` tries (pauses 1 s, 2 s, ... between them)."""
    data = json.dumps(body, ensure_ascii=False).encode()
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause_s * attempt)
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (configured URL)
                if 200 <= response.status < 300:
                    return True
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.warning("alert webhook: attempt %d failed: %s", attempt + 1, getattr(exc, "reason", exc))
    return False


class AlertSender:
    """Remembers which alerts were delivered, so each is sent once while it stands."""

    def __init__(self, service: HubService, config: ConsoleConfig) -> None:
        self._service, self._config = service, config
        self._delivered: set[Alert] = set()

    def round(self) -> int:
        """One check: POST the alerts not yet delivered; how many were delivered."""
        assert self._config.webhook_url is not None
        standing = set(self._service.fleet(self._config.rules).alerts)
        self._delivered &= standing  # a cleared alert may be sent again when it comes back
        new = sorted(standing - self._delivered, key=lambda a: (a.kiosk_id, a.kind))
        if not new:
            return 0
        body = {"alerts": [a.as_json() for a in new],
                "sent_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
        if not post_json(self._config.webhook_url, body, self._config.webhook_timeout_s, self._config.webhook_attempts):
            log.warning("alert webhook: %d alerts not delivered, trying again next round", len(new))
            return 0
        self._delivered |= set(new)
        return len(new)


async def send_periodically(sender: AlertSender, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_in_threadpool(sender.round)
        except DATABASE_ERRORS as exc:
            log.warning("alert webhook: cannot read the fleet: %s", exc)
