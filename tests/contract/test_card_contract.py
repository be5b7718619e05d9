"""One contract for every card reader backend: the simulated one and each real stack.

Each backend contributes a *rig*: a context manager yielding a `CardRig` whose `reader`
is the backend under test and whose scripting functions act on the other end of that
backend's real stack (the simulated reader itself; a GA 467 SAM simulator on a pty pair;
a virtual card behind pcscd + vpcd). To add a backend, write its rig and add it to RIGS.

The composite reader (`[card] backends`) runs the same contract twice: over two simulated
readers (one reading ID cards, one passports and badges), and over the real stacks at once
(a GA 467 SAM simulator on a pty and pcscd + vpcd). Its rig lays each card on the reader
that can see it; its events name that reader, not the composite.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest

from devices.card import samples
from devices.card.base import (
    BadgeRead,
    Capability,
    CardEvent,
    CardEventKind,
    CardReader,
    Identity,
    MrzKey,
    capability_for,
)
from devices.card.composite import CompositeCardReader
from devices.card.ga467 import Ga467CardReader
from devices.card.settings import Ga467Settings
from devices.card.simulated import SimulatedCardReader, mrz_key_of
from devices.errors import AuthenticationFailed, CardRejected, CardRemoved, MrzRequired, NoCard

EVENT_WAIT_S = 3.0


@dataclass
class CardRig:
    reader: CardReader
    documents: Sequence[tuple[Identity, MrzKey | None]]  # what this stack can present
    badge: BadgeRead | None  # a badge this stack can present, if any
    insert: Callable[[Identity | BadgeRead], None]
    remove: Callable[[], None]
    pull_during_next_read: Callable[[], None]  # the card leaves during the next read

    def event_readers(self) -> set[str]:
        """The reader names events may carry: the reader's own, or a composite's parts'."""
        if isinstance(self.reader, CompositeCardReader):
            return {part.name for part in self.reader.readers}
        return {self.reader.name}


@dataclass
class Part:
    """One reader of a composite rig and the scripting of its stack."""

    reader: CardReader
    insert: Callable[[Identity | BadgeRead], None]
    remove: Callable[[], None]
    pull_during_next_read: Callable[[], None]


def composite_rig(parts: Sequence[Part], documents, badge) -> CardRig:
    """A composite over `parts`; each card goes to the first part that can read it."""
    holding: list[Part] = []

    def insert(card: Identity | BadgeRead) -> None:
        remove()
        part = next(p for p in parts if p.reader.capabilities & capability_for(card))
        part.insert(card)
        holding.append(part)

    def remove() -> None:
        while holding:
            holding.pop().remove()

    def pull() -> None:
        holding[-1].pull_during_next_read()

    return CardRig(CompositeCardReader([p.reader for p in parts]), documents, badge, insert, remove, pull)


@contextlib.contextmanager
def simulated_rig() -> Iterator[CardRig]:
    reader = SimulatedCardReader()

    def pull() -> None:
        reader.fail_next = CardRemoved("card left the reader during the read")
        reader.remove()

    documents = [(card, mrz_key_of(card) if card is samples.PASSPORT else None) for card in _identities()]
    yield CardRig(reader, documents, samples.TECHNICIAN_BADGE, reader.insert, reader.remove, pull)
    reader.stop()


@contextlib.contextmanager
def ga467_rig() -> Iterator[CardRig]:
    from tests.integration.card.ga467_sam import Fault, SamSimulator

    with SamSimulator() as sam:
        reader = Ga467CardReader(Ga467Settings(port=sam.port, timeout_s=1.0, poll_interval_s=0.02))
        documents = [(card, None) for card in _identities() if card is not samples.PASSPORT]
        yield CardRig(
            reader, documents, None, sam.insert, sam.remove, lambda: sam.inject(Fault.REMOVE_DURING_READ)
        )
        reader.stop()


@contextlib.contextmanager
def pcsc_rig() -> Iterator[CardRig]:
    """pcscd + vsmartcard vpcd with virtual cards (an eMRTD speaking BAC, a badge)."""
    from tests.integration.card_pcsc.stack import Slot, stack_or_skip

    stack = stack_or_skip()  # the one pcscd of this process; fails loudly when pcscd/vpcd are missing
    slot = Slot(stack)
    reader = stack.reader()
    try:
        yield CardRig(
            reader,
            [(samples.PASSPORT, samples.PASSPORT_MRZ)],
            samples.TECHNICIAN_BADGE,
            slot.insert,
            slot.remove,
            slot.pull_during_next_read,
        )
    finally:
        reader.stop()
        slot.remove()


def _simulated_part(name: str, capabilities: Capability) -> Part:
    reader = SimulatedCardReader(name, capabilities)

    def pull() -> None:
        reader.fail_next = CardRemoved("card left the reader during the read")
        reader.remove()

    return Part(reader, reader.insert, reader.remove, pull)


@contextlib.contextmanager
def composite_simulated_rig() -> Iterator[CardRig]:
    parts = [
        _simulated_part("ID card reader", Capability.RESIDENT_ID),
        _simulated_part("Passport reader", Capability.EMRTD | Capability.BADGE_UID),
    ]
    documents = [(card, mrz_key_of(card) if card is samples.PASSPORT else None) for card in _identities()]
    rig = composite_rig(parts, documents, samples.TECHNICIAN_BADGE)
    yield rig
    rig.reader.stop()


@contextlib.contextmanager
def composite_real_rig() -> Iterator[CardRig]:
    """GA 467 on a pty and pcscd + vpcd, both real, behind one composite reader."""
    with ga467_rig() as ga467, pcsc_rig() as pcsc:
        parts = [
            Part(ga467.reader, ga467.insert, ga467.remove, ga467.pull_during_next_read),
            Part(pcsc.reader, pcsc.insert, pcsc.remove, pcsc.pull_during_next_read),
        ]
        rig = composite_rig(parts, [*ga467.documents, *pcsc.documents], pcsc.badge)
        yield rig
        rig.reader.stop()


def _identities() -> list[Identity]:
    return [card for card in samples.SAMPLES.values() if isinstance(card, Identity)]


RIGS: dict[str, Callable[[], contextlib.AbstractContextManager[CardRig]]] = {
    "simulated": simulated_rig,
    "ga467": ga467_rig,
    "pcsc": pcsc_rig,
    "composite-simulated": composite_simulated_rig,
    "composite-ga467-pcsc": composite_real_rig,
}


@pytest.fixture(params=list(RIGS))
def rig(request) -> Iterator[CardRig]:
    with RIGS[request.param]() as built:
        yield built


def _listen(reader: CardReader) -> queue.Queue[CardEvent]:
    events: queue.Queue[CardEvent] = queue.Queue()
    reader.start(events.put)
    return events


def _next_kind(events: queue.Queue[CardEvent], rig: CardRig) -> CardEventKind:
    event = events.get(timeout=EVENT_WAIT_S)
    assert event.reader in rig.event_readers()
    return event.kind


def test_is_a_card_reader(rig):
    assert isinstance(rig.reader, CardReader)
    assert isinstance(rig.reader.name, str) and rig.reader.name
    assert rig.documents, "a rig presents at least one identity document"


def test_reads_every_document_it_can_present(rig):
    for identity, mrz in rig.documents:
        rig.insert(identity)
        read = rig.reader.read_identity(mrz)
        assert read == identity
        assert identity.name not in repr(read) and identity.id_number not in repr(read)
        rig.remove()


def test_empty_reader(rig):
    """Bad input: reading and probing with no card on the reader."""
    assert rig.reader.card_present() is False
    with pytest.raises(NoCard):
        rig.reader.read_identity()
    assert isinstance(rig.reader.probe(), str)


def test_presence_follows_insert_and_remove(rig):
    identity, _ = rig.documents[0]
    rig.insert(identity)
    assert rig.reader.card_present() is True
    rig.remove()
    assert rig.reader.card_present() is False


def test_events_for_insert_and_remove(rig):
    events = _listen(rig.reader)
    identity, mrz = rig.documents[0]
    rig.insert(identity)
    assert _next_kind(events, rig) == CardEventKind.INSERTED
    assert rig.reader.read_identity(mrz) == identity  # reading does not count as a removal
    rig.remove()
    assert _next_kind(events, rig) == CardEventKind.REMOVED
    rig.reader.stop()
    rig.reader.stop()  # idempotent
    rig.insert(identity)
    with pytest.raises(queue.Empty):
        events.get(timeout=0.3)


def test_card_present_before_start_is_reported(rig):
    identity, _ = rig.documents[0]
    rig.insert(identity)
    events = _listen(rig.reader)
    assert _next_kind(events, rig) == CardEventKind.INSERTED


def test_card_pulled_during_read(rig):
    """Bad input: the card leaves the reader while it is being read."""
    identity, mrz = rig.documents[0]
    rig.insert(identity)
    rig.pull_during_next_read()
    with pytest.raises(CardRemoved):
        rig.reader.read_identity(mrz)
    with pytest.raises(NoCard):
        rig.reader.read_identity(mrz)


def test_badges(rig):
    """Bad input: asking for a badge while an identity document is on the reader, and for
    an identity while a badge is (a badge is rejected, never asked for an MRZ)."""
    identity, _ = rig.documents[0]
    rig.insert(identity)
    with pytest.raises(CardRejected):
        rig.reader.read_badge()
    rig.remove()
    if rig.badge is not None:
        rig.insert(rig.badge)
        assert rig.reader.read_badge() == rig.badge
        with pytest.raises(CardRejected):
            rig.reader.read_identity()


def test_icao_documents_ask_for_their_mrz(rig):
    """Bad input: reading without the MRZ key, then with a wrong one (BAC refused).

    A document that needs no key reads without one; an ICAO one says MrzRequired (the
    station's cue to ask for it), and a wrong key is an AuthenticationFailed that is not
    MrzRequired (the citizen typed something else than what the document prints)."""
    for identity, mrz in rig.documents:
        rig.insert(identity)
        if mrz is None:
            assert rig.reader.read_identity() == identity
        else:
            with pytest.raises(MrzRequired):
                rig.reader.read_identity()
            wrong = MrzKey(mrz.document_number, mrz.birth_yymmdd, mrz.birth_yymmdd)  # expiry mistyped
            with pytest.raises(AuthenticationFailed) as refused:
                rig.reader.read_identity(wrong)
            assert not isinstance(refused.value, MrzRequired)
            assert rig.reader.read_identity(mrz) == identity
        rig.remove()
