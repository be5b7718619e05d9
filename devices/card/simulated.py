"""A scriptable, recording card reader: the demo's reader and the tests' stand-in.

It reads every kind of card unless built with fewer `capabilities` (a stand-in for a GA 467
or a PC/SC reader in a composite); `insert` refuses a card such a reader could never see.

Scripting: `insert(identity_or_badge)`, `remove()`, `fail_next = CardRemoved()` (raised by
the next read, then cleared), `unplug()` / `plug()` for a reader that goes away.
Recording: `calls` lists every protocol method called, in order.

Events reach the listener from one dispatcher thread, like the real backends' polling
threads, so code that works against this reader does not accidentally depend on being
called back on its own thread.
"""

from __future__ import annotations

import queue
import threading

from devices.card.events import deliver
from devices.card.base import (
    BadgeRead,
    Capability,
    CardEvent,
    CardEventKind,
    CardListener,
    DocumentKind,
    Identity,
    MrzKey,
    capability_for,
)
from devices.errors import (
    AuthenticationFailed,
    CardRejected,
    DeviceError,
    DeviceUnavailable,
    MrzRequired,
    NoCard,
)

_STOP = object()  # sentinel that ends the dispatcher thread
_ICAO_KINDS = (DocumentKind.PASSPORT, DocumentKind.TRAVEL_PERMIT)


def mrz_key_of(identity: Identity) -> MrzKey:
    """The MRZ key a passport or travel permit answers BAC to (what its MRZ prints)."""
    if identity.valid_to is None:
        raise ValueError("an ICAO document always has an expiry date")
    return MrzKey(
        document_number=identity.id_number,
        birth_yymmdd=identity.birth_date.strftime("%y%m%d"),
        expiry_yymmdd=identity.valid_to.strftime("%y%m%d"),
    )


class SimulatedCardReader:
    """Implements `devices.card.base.CardReader` without hardware."""

    def __init__(
        self,
        name: str = "Simulated reader 0",
        capabilities: Capability = Capability.RESIDENT_ID | Capability.EMRTD | Capability.BADGE_UID,
    ) -> None:
        self.name = name
        self.capabilities = capabilities
        self.calls: list[str] = []
        self.fail_next: DeviceError | None = None
        self._card: Identity | BadgeRead | None = None
        self._plugged = True
        self._lock = threading.Lock()
        self._events: queue.Queue[CardEvent | object] = queue.Queue()
        self._thread: threading.Thread | None = None

    # --- scripting -------------------------------------------------------------------

    def insert(self, card: Identity | BadgeRead) -> None:
        """Place a document or badge on the reader (replacing any present one)."""
        if not capability_for(card) & self.capabilities:
            raise ValueError(f"{self.name} cannot read a {type(card).__name__} of that kind")
        with self._lock:
            if self._card is not None:
                self._emit(CardEventKind.REMOVED)
            self._card = card
            self._emit(CardEventKind.INSERTED)

    def remove(self) -> None:
        """Take the card away. Does nothing when the reader is empty."""
        with self._lock:
            if self._card is not None:
                self._card = None
                self._emit(CardEventKind.REMOVED)

    def unplug(self) -> None:
        """The reader disappears: reads and probes raise DeviceUnavailable."""
        with self._lock:
            if self._card is not None:
                self._card = None
                self._emit(CardEventKind.REMOVED)
            self._plugged = False
            self._emit(CardEventKind.READER_REMOVED)

    def plug(self) -> None:
        """The reader comes back (empty)."""
        with self._lock:
            self._plugged = True
            self._emit(CardEventKind.READER_ADDED)

    # --- CardReader protocol ---------------------------------------------------------

    def start(self, listener: CardListener) -> None:
        """Deliver events to `listener`; a card already present is reported as INSERTED."""
        self.calls.append("start")
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("reader already started")
            self._events = queue.Queue()
            self._thread = threading.Thread(
                target=self._dispatch, args=(listener, self._events), name=f"card-{self.name}", daemon=True
            )
            self._thread.start()
            if self._card is not None:
                self._emit(CardEventKind.INSERTED)

    def stop(self) -> None:
        self.calls.append("stop")
        with self._lock:
            thread, self._thread = self._thread, None
            self._events.put(_STOP)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def card_present(self) -> bool:
        self.calls.append("card_present")
        self._check_plugged()
        return self._card is not None

    def read_identity(self, mrz: MrzKey | None = None) -> Identity:
        self.calls.append("read_identity")
        card = self._present_card()
        if isinstance(card, BadgeRead):
            raise CardRejected("this card is a badge, not an identity document")
        if card.kind in _ICAO_KINDS:
            if mrz is None:
                raise MrzRequired("this document needs its MRZ data (number, birth, expiry)")
            if mrz != mrz_key_of(card):
                raise AuthenticationFailed("the chip refused access: MRZ data does not match")
        return card

    def read_badge(self) -> BadgeRead:
        self.calls.append("read_badge")
        card = self._present_card()
        if not isinstance(card, BadgeRead):
            raise CardRejected("this card is not a technician badge")
        return card

    def probe(self) -> str:
        self.calls.append("probe")
        self._check_plugged()
        return f"{self.name}: simulated, {'card present' if self._card is not None else 'empty'}"

    # --- internals -------------------------------------------------------------------

    def _check_plugged(self) -> None:
        if not self._plugged:
            raise DeviceUnavailable("card reader is not connected")

    def _present_card(self) -> Identity | BadgeRead:
        self._check_plugged()
        failure, self.fail_next = self.fail_next, None
        if failure is not None:
            raise failure
        card = self._card
        if card is None:
            raise NoCard("no card on the reader")
        return card

    def _emit(self, kind: CardEventKind) -> None:
        """Queue an event (caller holds the lock); dropped while nobody listens."""
        if self._thread is not None:
            self._events.put(CardEvent(kind=kind, reader=self.name))

    @staticmethod
    def _dispatch(listener: CardListener, events: queue.Queue[CardEvent | object]) -> None:
        while True:
            event = events.get()
            if event is _STOP:
                return
            assert isinstance(event, CardEvent)
            deliver(listener, event)
