"""The GA 467 backend against a simulated SAM on a real pty pair (pyserial, termios, frames)."""

import dataclasses
import queue

import pytest
import serial

from devices.card import samples
from devices.card.base import CardEventKind
from devices.card.ga467 import Ga467CardReader
from devices.card.ga467_codec import Command
from devices.card.ga467_text import encode_base_text
from devices.card.settings import Ga467Settings
from devices.errors import (
    CardRejected,
    CardRemoved,
    DeviceTimeout,
    DeviceUnavailable,
    NoCard,
    ProtocolError,
)
from tests.integration.card.ga467_sam import Fault, SamSimulator, fake_wlt

pytestmark = pytest.mark.realstack


@pytest.fixture
def sam():
    with SamSimulator() as simulator:
        yield simulator


def _reader(sam: SamSimulator, **kwargs) -> Ga467CardReader:
    settings = Ga467Settings(port=sam.port, timeout_s=1.0, poll_interval_s=0.02)
    return Ga467CardReader(settings, **kwargs)


@pytest.fixture
def reader(sam):
    backend = _reader(sam)
    yield backend
    backend.stop()


def test_read_sends_find_select_read_and_returns_the_photo(sam, reader):
    sam.insert(samples.RESIDENT)
    identity = reader.read_identity()
    assert identity == samples.RESIDENT
    assert identity.photo == fake_wlt(samples.RESIDENT)
    assert [c[:2] for c in sam.commands] == [Command.FIND_CARD.value, Command.SELECT_CARD.value, Command.READ_BASE.value]


def test_a_card_already_read_can_be_read_again_while_it_stays(sam, reader):
    sam.insert(samples.HMT_PERMIT)
    assert reader.read_identity() == samples.HMT_PERMIT
    assert reader.card_present()  # find says "not found" for a halted card; select says present
    assert reader.read_identity() == samples.HMT_PERMIT


def test_no_card(sam, reader):
    """Bad input: a read with an empty reader."""
    with pytest.raises(NoCard):
        reader.read_identity()
    assert not reader.card_present()


def test_noise_before_the_answer_is_skipped(sam, reader):
    """Bad input: line noise, including a fake preamble, before the answer."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.NOISE_BEFORE)
    assert reader.read_identity() == samples.RESIDENT


def test_answer_in_small_pieces_is_reassembled(sam, reader):
    """Bad input: every answer dribbled 7 bytes at a time."""
    sam.insert(samples.FOREIGNER_2017)
    for _ in range(3):
        sam.inject(Fault.DRIBBLE)
    assert reader.read_identity() == samples.FOREIGNER_2017


def test_truncated_answer_is_a_protocol_error_and_the_next_read_works(sam, reader):
    """Bad input: the answer to find card stops half way."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.TRUNCATE)
    with pytest.raises(ProtocolError, match="incomplete"):
        reader.read_identity()
    assert reader.read_identity() == samples.RESIDENT


def test_one_bad_checksum_is_recovered_by_resending(sam, reader):
    """Bad input: one answer with a wrong checksum byte."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.BAD_CHECKSUM)
    assert reader.read_identity() == samples.RESIDENT
    assert [c[:2] for c in sam.commands].count(Command.FIND_CARD.value) == 2


def test_repeated_bad_checksums_are_a_protocol_error(sam, reader):
    """Bad input: find card answered with wrong checksums, resends and a second try too."""
    sam.insert(samples.RESIDENT)
    for _ in range(4):
        sam.inject(Fault.BAD_CHECKSUM)
    with pytest.raises(ProtocolError, match="checksum"):
        reader.read_identity()
    assert [c[:2] for c in sam.commands] == [Command.FIND_CARD.value] * 4


def test_bad_checksum_on_the_read_answer_reruns_the_sequence(sam, reader):
    """Bad input: the 1,295-byte read answer arrives with a wrong checksum."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.NOISE_BEFORE)  # find (harmless)
    sam.inject(Fault.NOISE_BEFORE)  # select (harmless)
    sam.inject(Fault.BAD_CHECKSUM)  # read base information
    assert reader.read_identity() == samples.RESIDENT
    sequence = [Command.FIND_CARD.value, Command.SELECT_CARD.value, Command.READ_BASE.value]
    assert [c[:2] for c in sam.commands] == sequence * 2


def test_two_bad_read_answers_are_a_protocol_error(sam, reader):
    """Bad input: the read answer corrupt on the first and on the second try."""
    sam.insert(samples.RESIDENT)
    for fault in [Fault.NOISE_BEFORE] * 2 + [Fault.BAD_CHECKSUM] + [Fault.NOISE_BEFORE] * 2 + [Fault.BAD_CHECKSUM]:
        sam.inject(fault)
    with pytest.raises(ProtocolError, match="checksum"):
        reader.read_identity()


def test_card_removed_mid_read(sam, reader):
    """Bad input: the card leaves between select and the end of read base information."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.REMOVE_DURING_READ)
    with pytest.raises(CardRemoved):
        reader.read_identity()
    with pytest.raises(NoCard):
        reader.read_identity()


def test_silent_reader_times_out(sam, reader):
    """Bad input: the reader stops answering altogether."""
    sam.insert(samples.RESIDENT)
    sam.silent = True
    with pytest.raises(DeviceTimeout):
        reader.read_identity()
    with pytest.raises(DeviceTimeout):
        reader.probe()
    sam.silent = False
    assert reader.read_identity() == samples.RESIDENT


@pytest.mark.parametrize(
    ("status", "error"), [(0x32, CardRejected), (0x60, DeviceUnavailable), (0x21, ProtocolError), (0x55, ProtocolError)]
)
def test_failure_statuses(sam, reader, status, error):
    """Bad input: the SAM answers find card with a failure status (fake card, SAM broken, ...)."""
    sam.insert(samples.RESIDENT)
    sam.inject(Fault.STATUS, status)
    with pytest.raises(error):
        reader.read_identity()


def test_card_with_bad_check_character_is_rejected(sam, reader):
    """Bad input: a card whose ID number's check character is wrong."""
    forged = dataclasses.replace(samples.RESIDENT, id_number=samples.RESIDENT.id_number[:-1] + "0")
    sam.insert(text=encode_base_text(forged))
    with pytest.raises(CardRejected, match="check character"):
        reader.read_identity()


def test_expired_card_is_rejected_unless_configured(sam):
    """Bad input: a card read after its validity ended."""
    import datetime as dt

    sam.insert(samples.RESIDENT)
    late = lambda: dt.date(2041, 1, 1)  # noqa: E731
    with pytest.raises(CardRejected, match="expired"):
        _reader(sam, today=late).read_identity()
    lenient = Ga467CardReader(Ga467Settings(port=sam.port, timeout_s=1.0, reject_expired=False), today=late)
    assert lenient.read_identity() == samples.RESIDENT
    lenient.stop()


def test_photo_decoder_plug_in(sam):
    sam.insert(samples.RESIDENT)
    seen = []
    reader = _reader(sam, photo_decoder=lambda wlt: seen.append(wlt) or b"BM-decoded")
    assert reader.read_identity().photo == b"BM-decoded"
    assert seen == [fake_wlt(samples.RESIDENT)]
    reader.stop()


def test_failing_photo_decoder_is_a_protocol_error(sam):
    """Bad input: a vendor decoder that raises."""
    sam.insert(samples.RESIDENT)
    reader = _reader(sam, photo_decoder=lambda wlt: 1 / 0)
    with pytest.raises(ProtocolError, match="ZeroDivisionError"):
        reader.read_identity()
    reader.stop()


def test_missing_port_is_unavailable():
    """Bad input: a serial device that does not exist."""
    reader = Ga467CardReader(Ga467Settings(port="/dev/nonexistent-ga467", timeout_s=0.3))
    with pytest.raises(DeviceUnavailable, match="cannot open"):
        reader.probe()


def test_port_held_by_another_process_is_unavailable(sam):
    """Bad input: the port is already opened exclusively by someone else."""
    holder = serial.Serial(sam.port, exclusive=True)
    try:
        with pytest.raises(DeviceUnavailable):
            _reader(sam).probe()
    finally:
        holder.close()


def test_probe_reports_the_sam_id(sam, reader):
    assert "0501000020261123" in reader.probe()


def test_poller_reports_insert_remove_and_a_reader_that_goes_silent(sam, reader):
    """Bad input: the reader stops answering while a card is on it, then comes back."""
    events: queue.Queue = queue.Queue()
    reader.start(events.put)
    sam.insert(samples.RESIDENT)
    assert events.get(timeout=2).kind == CardEventKind.INSERTED
    assert reader.read_identity() == samples.RESIDENT  # halted card: no REMOVED may follow
    sam.remove()
    assert events.get(timeout=2).kind == CardEventKind.REMOVED
    sam.insert(samples.RESIDENT)
    assert events.get(timeout=2).kind == CardEventKind.INSERTED
    sam.silent = True
    assert [events.get(timeout=6).kind for _ in range(2)] == [CardEventKind.REMOVED, CardEventKind.READER_REMOVED]
    sam.silent = False
    assert [events.get(timeout=6).kind for _ in range(2)] == [CardEventKind.READER_ADDED, CardEventKind.INSERTED]
    reader.stop()
    reader.stop()  # idempotent
    sam.remove()
    with pytest.raises(queue.Empty):
        events.get(timeout=0.2)


def test_base_information_with_wrong_lengths_is_a_protocol_error():
    """Bad input: a 30 01 answer whose declared lengths do not match its bytes."""
    from devices.card.ga467 import split_base_information

    text, photo = bytes(256), bytes(1024)
    assert split_base_information(b"\x01\x00\x04\x00" + text + photo) == (text, photo)
    for bad in (b"", b"\x01\x00\x04\x00" + text, b"\x00\xff\x04\x00" + text + photo):
        with pytest.raises(ProtocolError):
            split_base_information(bad)


# --- property-based: whatever the reader sends, only documented errors come out ----------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from devices.card.ga467_codec import encode_answer  # noqa: E402
from devices.errors import DeviceError  # noqa: E402

_answers = st.one_of(
    st.binary(max_size=64),  # noise
    st.binary(max_size=300).map(lambda data: encode_answer(0x90, data)),  # well-framed, wrong content
    st.tuples(st.integers(0, 255), st.binary(max_size=8)).map(lambda t: encode_answer(*t)),  # any status
    st.binary(min_size=4, max_size=1400).map(  # a read answer with random lengths and content
        lambda data: encode_answer(0x90, data)
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["find", "select", "read"]), _answers)
def test_fuzz_any_answer_gives_a_documented_error(sam, step, answer):
    """Bad input: the answer to one step of the read replaced by arbitrary bytes."""
    reader = Ga467CardReader(Ga467Settings(port=sam.port, timeout_s=0.15))
    sam.insert(samples.RESIDENT)
    if step != "find":
        sam.inject(Fault.NOISE_BEFORE)  # a harmless fault to move the replacement one answer on
    if step == "read":
        sam.inject(Fault.NOISE_BEFORE)
    sam.inject(Fault.REPLACE, raw=answer)
    try:
        reader.read_identity()
    except DeviceError:
        pass
    finally:
        reader.stop()
        sam.remove()
