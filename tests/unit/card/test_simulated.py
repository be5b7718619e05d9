import queue

import pytest
from pydantic import ValidationError

from devices.card import samples
from devices.card.base import CardEvent, CardEventKind, CardReader
from devices.card.factory import build_card_reader
from devices.card.settings import CardSettings
from devices.card.simulated import SimulatedCardReader, mrz_key_of
from devices.errors import AuthenticationFailed, CardRemoved, CardRejected, DeviceUnavailable, NoCard


def _events(reader: SimulatedCardReader) -> "queue.Queue[CardEvent]":
    got: queue.Queue[CardEvent] = queue.Queue()
    reader.start(got.put)
    return got


def test_records_calls_in_order():
    reader = SimulatedCardReader()
    reader.insert(samples.RESIDENT)
    reader.card_present()
    reader.read_identity()
    reader.probe()
    assert reader.calls == ["card_present", "read_identity", "probe"]


def test_fail_next_is_raised_once():
    """Bad input: a scripted CardRemoved on the next read."""
    reader = SimulatedCardReader()
    reader.insert(samples.RESIDENT)
    reader.fail_next = CardRemoved("card left the reader")
    with pytest.raises(CardRemoved):
        reader.read_identity()
    assert reader.read_identity() == samples.RESIDENT


def test_passport_needs_the_right_mrz():
    """Bad input: no MRZ, then a wrong expiry date."""
    reader = SimulatedCardReader()
    reader.insert(samples.PASSPORT)
    assert mrz_key_of(samples.PASSPORT) == samples.PASSPORT_MRZ
    with pytest.raises(AuthenticationFailed):
        reader.read_identity()
    wrong = samples.PASSPORT_MRZ.__class__("E12345678", "791105", "310631")
    with pytest.raises(AuthenticationFailed):
        reader.read_identity(wrong)
    assert reader.read_identity(samples.PASSPORT_MRZ) == samples.PASSPORT


def test_badge_and_document_are_not_interchangeable():
    """Bad input: reading a badge as an identity and an identity as a badge."""
    reader = SimulatedCardReader()
    reader.insert(samples.TECHNICIAN_BADGE)
    with pytest.raises(CardRejected):
        reader.read_identity()
    assert reader.read_badge() == samples.TECHNICIAN_BADGE
    reader.insert(samples.RESIDENT)
    with pytest.raises(CardRejected):
        reader.read_badge()


def test_unplugged_reader_is_unavailable_and_says_so():
    """Bad input: the reader is unplugged while a card is on it."""
    reader = SimulatedCardReader()
    events = _events(reader)
    reader.insert(samples.RESIDENT)
    reader.unplug()
    with pytest.raises(DeviceUnavailable):
        reader.probe()
    with pytest.raises(DeviceUnavailable):
        reader.read_identity()
    reader.plug()
    with pytest.raises(NoCard):
        reader.read_identity()
    kinds = [events.get(timeout=2).kind for _ in range(4)]
    reader.stop()
    assert kinds == [
        CardEventKind.INSERTED,
        CardEventKind.REMOVED,
        CardEventKind.READER_REMOVED,
        CardEventKind.READER_ADDED,
    ]


def test_replacing_a_card_emits_removed_then_inserted():
    reader = SimulatedCardReader()
    events = _events(reader)
    reader.insert(samples.RESIDENT)
    reader.insert(samples.HMT_PERMIT)
    kinds = [events.get(timeout=2).kind for _ in range(3)]
    reader.stop()
    assert kinds == [CardEventKind.INSERTED, CardEventKind.REMOVED, CardEventKind.INSERTED]


def test_a_raising_listener_does_not_stop_delivery():
    """Bad input: a listener that raises on every event."""
    reader = SimulatedCardReader()
    seen: list[CardEventKind] = []

    def listener(event: CardEvent) -> None:
        seen.append(event.kind)
        raise RuntimeError("boom")

    reader.start(listener)
    reader.insert(samples.RESIDENT)
    reader.remove()
    reader.stop()
    assert seen == [CardEventKind.INSERTED, CardEventKind.REMOVED]


def test_factory_builds_simulated_reader_with_a_sample():
    reader = build_card_reader(CardSettings(simulated={"sample": "hmt-permit"}))
    assert isinstance(reader, CardReader)
    assert reader.read_identity() == samples.HMT_PERMIT


def test_settings_refuse_unknown_sample_and_keys():
    """Bad input: an unknown sample name and an unknown config key."""
    with pytest.raises(ValidationError, match="unknown sample"):
        CardSettings(simulated={"sample": "nobody"})
    with pytest.raises(ValidationError):
        CardSettings(ga467={"prot": "/dev/ttyS0"})
    with pytest.raises(ValidationError):
        CardSettings(backend="nfc")


def test_samples_are_valid_and_fictional_numbers_pass_their_checks():
    from devices.card import gb11643

    for key, card in samples.SAMPLES.items():
        if key == "foreigner-2017":
            gb11643.validate_foreigner_2017(card.id_number)
        elif key not in ("passport", "badge"):
            assert gb11643.validate(card.id_number) == card.id_number
            assert gb11643.birth_date_of(card.id_number) == card.birth_date
