"""The PC/SC monitor's state machine, fed the reader states pcscd would report.

Reader unplug/replug cannot happen with vpcd (its slots are static), so the transitions a
USB reader causes are driven here directly on the monitor's state handlers (no thread, no
pcscd); the pcscd-restart path runs for real in tests/integration/card_pcsc.
"""

from __future__ import annotations

from smartcard import scard

from devices.card.base import CardEventKind as K
from devices.card.pcsc import _Monitor

EMPTY = scard.SCARD_STATE_EMPTY
PRESENT = scard.SCARD_STATE_PRESENT
CHANGED = scard.SCARD_STATE_CHANGED


def counted(state: int, count: int) -> int:
    """A pcsc-lite event state with its card event counter in the high word."""
    return (count << 16) | state | CHANGED


def monitor(reader: str | None = "r"):
    """A monitor past its first listing, which found `reader` (None: no reader)."""
    events = []
    mon = _Monitor("front reader", "", events.append, poll_s=0.1, backoff_max_s=0.1)
    mon._follow(reader)
    mon._initial = False
    return mon, events


def kinds(events):
    assert all(e.reader == "front reader" for e in events)
    return [e.kind for e in events]


def test_initial_reader_and_card_report_inserted_only():
    mon, events = monitor("ACS ACR1252 00 00")
    mon._on_reader_state(counted(PRESENT, 1), b"\x3b\x80")
    assert kinds(events) == [K.INSERTED]
    assert events[0].atr == b"\x3b\x80"


def test_reader_unplugged_with_card_then_replugged():
    """Bad input: the USB reader is pulled while a card lies on it, then plugged back."""
    mon, events = monitor("ACS ACR1252 00 00")
    mon._on_reader_state(counted(PRESENT, 1), b"")
    mon._on_reader_state(counted(scard.SCARD_STATE_UNAVAILABLE | PRESENT, 1), b"")  # going away
    mon._follow(None)
    mon._follow("ACS ACR1252 00 00")
    mon._on_reader_state(counted(EMPTY, 0), b"")
    assert kinds(events) == [K.INSERTED, K.REMOVED, K.READER_REMOVED, K.READER_ADDED]


def test_card_swapped_between_two_polls():
    """Bad input: one card removed and another inserted faster than the poll."""
    mon, events = monitor()
    mon._on_reader_state(counted(PRESENT, 1), b"")
    mon._on_reader_state(counted(PRESENT, 3), b"")
    assert kinds(events) == [K.INSERTED, K.REMOVED, K.INSERTED]


def test_unchanged_state_emits_nothing():
    mon, events = monitor()
    mon._on_reader_state(counted(EMPTY, 0), b"")
    mon._on_reader_state(counted(EMPTY, 0), b"")
    mon._on_reader_state(counted(PRESENT, 1), b"")
    mon._on_reader_state(counted(PRESENT, 1), b"")
    mon._on_reader_state(counted(EMPTY, 2), b"")
    assert kinds(events) == [K.INSERTED, K.REMOVED]


def test_reader_appearing_after_start_is_announced():
    mon, events = monitor(None)  # nothing plugged at start
    mon._follow("r")
    assert kinds(events) == [K.READER_ADDED]
