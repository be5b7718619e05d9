"""How many attachment uploads may run at once, per kiosk and in total.

Each upload holds a file descriptor, a spool file and disk bandwidth for as long as its
client takes; without a cap one kiosk (or a stolen token) could hold them all. Beyond a cap
the answer is 429 with Retry-After, which stations already honour. Used from the event loop
only, so plain counters suffice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.errors import HubError

RETRY_AFTER_S = 2


class UploadSlots:
    def __init__(self, per_kiosk: int, total: int) -> None:
        if per_kiosk < 1 or total < 1:
            raise ValueError("upload caps must be at least 1")
        self.per_kiosk = per_kiosk
        self.total = total
        self._running: dict[str, int] = {}

    @contextmanager
    def take(self, kiosk_id: str) -> Iterator[None]:
        """Hold one slot for `kiosk_id` for the `with` block, or HubError 429."""
        mine = self._running.get(kiosk_id, 0)
        if mine >= self.per_kiosk or sum(self._running.values()) >= self.total:
            raise HubError(
                429,
                {"error": "too_many_uploads", "message": "too many uploads at once; retry later"},
                {"Retry-After": str(RETRY_AFTER_S)},
            )
        self._running[kiosk_id] = mine + 1
        try:
            yield
        finally:
            left = self._running[kiosk_id] - 1
            if left:
                self._running[kiosk_id] = left
            else:
                del self._running[kiosk_id]
