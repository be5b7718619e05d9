"""The composite card reader over simulated readers (one standing in for a GA 467 reader,
one for a PC/SC reader), and over a real GA 467 backend whose serial port does not exist.

The same reader runs the card contract suite (tests/contract/test_card_contract.py); these
tests cover what only a composite has: first card wins, a reader down degrades only what
it reads, and the merged events.
"""

from __future__ import annotations

import queue

import pytest
from pydantic import ValidationError

from devices.card import samples
from devices.card.base import Capability, CardEvent, CardEventKind
from devices.card.composite import CompositeCardReader, out_of_service
from devices.card.factory import build_card_reader
from devices.card.ga467 import Ga467CardReader
from devices.card.settings import CardSettings, Ga467Settings
from devices.card.simulated import SimulatedCardReader
from devices.errors import CardRejected, DeviceUnavailable, NoCard
from kiosk.health.supervisor import DeviceState, probe_card

WAIT_S = 2.0


def ga467_like() -> SimulatedCardReader:
    return SimulatedCardReader("ID card reader", Capability.RESIDENT_ID)


def pcsc_like() -> SimulatedCardReader:
    return SimulatedCardReader("Passport reader", Capability.EMRTD | Capability.BADGE_UID)


@pytest.fixture
def pair():
    ids, passports = ga467_like(), pcsc_like()
    reader = CompositeCardReader([ids, passports])
    yield reader, ids, passports
    reader.stop()


def listen(reader: CompositeCardReader) -> queue.Queue[CardEvent]:
    events: queue.Queue[CardEvent] = queue.Queue()
    reader.start(events.put)
    return events


def expect(events: queue.Queue[CardEvent], kind: CardEventKind, reader: str) -> None:
    event = events.get(timeout=WAIT_S)
    assert (event.kind, event.reader) == (kind, reader)


def nothing_more(events: queue.Queue[CardEvent]) -> None:
    with pytest.raises(queue.Empty):
        events.get(timeout=0.3)


def test_capabilities_are_the_union_of_readers_that_are_up(pair):
    reader, ids, passports = pair
    everything = Capability.RESIDENT_ID | Capability.EMRTD | Capability.BADGE_UID
    assert reader.declared == reader.capabilities == everything
    assert out_of_service(reader) == Capability.NONE
    passports.unplug()
    assert "Passport reader: down (DeviceUnavailable" in reader.probe()
    assert reader.capabilities == Capability.RESIDENT_ID
    assert out_of_service(reader) == Capability.EMRTD | Capability.BADGE_UID
    passports.plug()
    reader.probe()
    assert reader.capabilities == everything
    assert out_of_service(ids) == Capability.NONE  # a single reader is never partly down


def test_a_card_on_each_reader_first_wins(pair):
    """A resident ID card, then a passport on the other reader: the passport is ignored
    (no event, reads go to the ID card) until the ID card leaves."""
    reader, ids, passports = pair
    events = listen(reader)
    ids.insert(samples.RESIDENT)
    expect(events, CardEventKind.INSERTED, "ID card reader")
    passports.insert(samples.PASSPORT)
    nothing_more(events)
    assert reader.read_identity() == samples.RESIDENT
    with pytest.raises(CardRejected):  # the card is the ID card, which is no badge
        reader.read_badge()
    ids.remove()
    expect(events, CardEventKind.REMOVED, "ID card reader")
    expect(events, CardEventKind.INSERTED, "Passport reader")  # now it is the card
    assert reader.read_identity(samples.PASSPORT_MRZ) == samples.PASSPORT
    passports.remove()
    expect(events, CardEventKind.REMOVED, "Passport reader")
    nothing_more(events)


def test_a_held_card_that_leaves_first_is_never_announced(pair):
    reader, ids, passports = pair
    events = listen(reader)
    ids.insert(samples.RESIDENT)
    expect(events, CardEventKind.INSERTED, "ID card reader")
    passports.insert(samples.PASSPORT)
    passports.remove()
    nothing_more(events)  # (each reader delivers on its own thread: let the passport's settle)
    ids.remove()
    expect(events, CardEventKind.REMOVED, "ID card reader")
    nothing_more(events)


def test_a_reader_that_dies_mid_session_and_comes_back(pair):
    """The ID card reader goes away with a card on it: its card's REMOVED passes on (the
    session it started may end), its READER_REMOVED does not (the passport reader still
    works); it comes back quietly and reads again."""
    reader, ids, passports = pair
    events = listen(reader)
    ids.insert(samples.RESIDENT)
    expect(events, CardEventKind.INSERTED, "ID card reader")
    ids.unplug()
    expect(events, CardEventKind.REMOVED, "ID card reader")
    nothing_more(events)
    assert reader.capabilities == Capability.EMRTD | Capability.BADGE_UID
    passports.insert(samples.PASSPORT)
    expect(events, CardEventKind.INSERTED, "Passport reader")
    assert reader.read_identity(samples.PASSPORT_MRZ) == samples.PASSPORT
    passports.remove()
    expect(events, CardEventKind.REMOVED, "Passport reader")
    ids.plug()
    nothing_more(events)
    ids.insert(samples.HMT_PERMIT)
    expect(events, CardEventKind.INSERTED, "ID card reader")
    assert reader.capabilities == reader.declared
    assert reader.read_identity() == samples.HMT_PERMIT


def test_reader_events_pass_on_only_when_the_last_goes_and_the_first_returns(pair):
    reader, ids, passports = pair
    events = listen(reader)
    ids.unplug()
    nothing_more(events)
    passports.unplug()
    expect(events, CardEventKind.READER_REMOVED, "Passport reader")
    assert reader.capabilities == Capability.NONE
    with pytest.raises(DeviceUnavailable):
        reader.probe()
    ids.plug()
    expect(events, CardEventKind.READER_ADDED, "ID card reader")
    passports.plug()
    nothing_more(events)


def test_reads_without_start_ask_each_able_reader(pair):
    """`card read` never starts the reader: each reader that can read the wanted kind is
    asked in order; a card of the wrong kind is rejected, none at all is NoCard."""
    reader, ids, passports = pair
    with pytest.raises(NoCard, match="no card on any reader"):
        reader.read_identity()
    passports.insert(samples.TECHNICIAN_BADGE)
    assert reader.read_badge() == samples.TECHNICIAN_BADGE
    with pytest.raises(CardRejected):
        reader.read_identity()
    passports.remove()
    ids.insert(samples.FOREIGNER_2023)
    assert reader.card_present() is True
    assert reader.read_identity() == samples.FOREIGNER_2023
    with pytest.raises(CardRejected, match="not a technician badge"):
        reader.read_badge()  # the passport reader is empty, the card lies on the other one
    assert ids.calls.count("read_badge") == 0  # the ID card reader was only asked if a card is there


def test_a_dead_ga467_port_still_lets_a_passport_through():
    """A real GA 467 backend on a port that does not exist, beside a passport reader."""
    ga467 = Ga467CardReader(Ga467Settings(port="/dev/nonexistent-ga467", timeout_s=0.3, poll_interval_s=0.05))
    passports = pcsc_like()
    reader = CompositeCardReader([ga467, passports])
    try:
        passports.insert(samples.PASSPORT)
        assert reader.read_identity(samples.PASSPORT_MRZ) == samples.PASSPORT  # before any probe
        assert reader.capabilities == Capability.EMRTD | Capability.BADGE_UID  # the read found the port dead
        reading = probe_card(reader)
        assert reading.state is DeviceState.DEGRADED
        assert "GA 467 reader on /dev/nonexistent-ga467: down (DeviceUnavailable: cannot open" in reading.detail
        passports.remove()
        events = listen(reader)
        passports.insert(samples.PASSPORT)
        expect(events, CardEventKind.INSERTED, "Passport reader")
        assert reader.read_identity(samples.PASSPORT_MRZ) == samples.PASSPORT
        passports.unplug()
        expect(events, CardEventKind.REMOVED, "Passport reader")
        expect(events, CardEventKind.READER_REMOVED, "Passport reader")  # now nothing reads
        assert probe_card(reader).state is DeviceState.DOWN
    finally:
        reader.stop()


def test_probe_card_states():
    reader = CompositeCardReader([ga467_like(), pcsc_like()])
    reading = probe_card(reader)
    assert reading.state is DeviceState.OK
    assert reading.detail == "ID card reader: simulated, empty; Passport reader: simulated, empty"


def test_settings_backends():
    """Bad input: unknown names (answered with the known ones), repeats, an empty list,
    and both keys at once."""
    assert CardSettings().backend_names() == ["simulated"]
    assert CardSettings(backend="pcsc").backend_names() == ["pcsc"]
    assert CardSettings(backends=["ga467", "pcsc"]).backend_names() == ["ga467", "pcsc"]
    with pytest.raises(ValidationError, match="unknown card backend 'nfc'; choose one of simulated, ga467, pcsc"):
        CardSettings(backends=["ga467", "nfc"])
    for bad in (["pcsc", "pcsc"], []):
        with pytest.raises(ValidationError, match="one or more different backends"):
            CardSettings(backends=bad)
    with pytest.raises(ValidationError, match="either backend or backends"):
        CardSettings(backend="ga467", backends=["pcsc"])


def test_factory_builds_one_reader_or_a_composite():
    one = build_card_reader(CardSettings(backends=["simulated"]))
    assert isinstance(one, SimulatedCardReader)
    both = build_card_reader(CardSettings(backends=["ga467", "simulated"], ga467={"port": "/dev/ttyS9"}))
    assert isinstance(both, CompositeCardReader)
    assert [type(r).__name__ for r in both.readers] == ["Ga467CardReader", "SimulatedCardReader"]
    assert both.name == "GA 467 reader on /dev/ttyS9 + Simulated reader 0"


def test_readers_need_distinct_names():
    """Bad input: events could not say which reader they came from."""
    with pytest.raises(ValueError, match="distinct names"):
        CompositeCardReader([SimulatedCardReader(), SimulatedCardReader()])
    with pytest.raises(ValueError):
        CompositeCardReader([])


def test_simulated_reader_refuses_a_card_it_could_not_see():
    with pytest.raises(ValueError, match="cannot read"):
        ga467_like().insert(samples.PASSPORT)
