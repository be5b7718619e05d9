"""Event delivery shared by every card backend's thread."""

from __future__ import annotations

import logging

from devices.card.base import CardEvent, CardListener

log = logging.getLogger(__name__)


def deliver(listener: CardListener, event: CardEvent) -> None:
    """Call the listener; a listener that raises must not kill the backend's thread.

    Only the exception's type is logged: the listener's message could carry personal data.
    """
    try:
        listener(event)
    except Exception as exc:  # noqa: BLE001 - the thread must outlive a faulty listener
        log.error("card event listener raised %s; event %s dropped", type(exc).__name__, event.kind.value)
