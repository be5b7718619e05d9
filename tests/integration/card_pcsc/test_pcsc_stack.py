"""PcscCardReader against the real stack: pcscd + vsmartcard vpcd + a virtual eMRTD chip."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from devices.card.base import CardEventKind, DocumentKind, MrzKey
from devices.errors import (
    AuthenticationFailed,
    CardRemoved,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    NoCard,
)
from tests.integration.card_pcsc.virtual_emrtd import VirtualBadge, VirtualEmrtd

pytestmark = pytest.mark.realstack

# ICAO 9303 part 5 TD1 specimen (fictional Utopia): D23145890, 1974-08-12, expires 2012-04-15
TD1_SPECIMEN = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"


class Recorder:
    """Collects card events from the monitor thread; waits for a given one."""

    def __init__(self) -> None:
        self.events = []
        self._cond = threading.Condition()

    def __call__(self, event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, kind: CardEventKind, after: int = 0, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if event.kind is kind:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind} event; got {self.events}")
                self._cond.wait(left)


def test_reads_passport_identity(stack, reader, key):
    with stack.inserted(VirtualEmrtd(key=key)):
        identity = reader.read_identity(key)
    assert identity.kind is DocumentKind.PASSPORT
    assert (identity.name, identity.id_number, identity.sex) == ("TESTER KIOSK", "KT0000001", "F")
    assert identity.birth_date == dt.date(1990, 1, 1)
    assert identity.valid_to == dt.date(2035, 1, 1)
    assert identity.issuer == "UTO"


def test_reads_td1_travel_document(stack, reader):
    key = MrzKey("D23145890", "740812", "120415")
    with stack.inserted(VirtualEmrtd(key=key, mrz=TD1_SPECIMEN)):
        identity = reader.read_identity(key)
    assert identity.kind is DocumentKind.TRAVEL_PERMIT
    assert (identity.name, identity.id_number) == ("ERIKSSON ANNA MARIA", "D23145890")


def test_get_response_chaining_through_pcscd(stack, reader, key):
    """Bad input for a naive reader: every answer longer than 16 bytes comes as 61xx pieces."""
    card = VirtualEmrtd(key=key, chain=16)
    with stack.inserted(card):
        identity = reader.read_identity(key)
    assert identity.id_number == "KT0000001"


def test_wrong_mrz_is_authentication_failed(stack, reader, key):
    """Bad input: the citizen typed a wrong birth date, so the chip refuses BAC (6300)."""
    wrong = MrzKey(key.document_number, "900102", key.expiry_yymmdd)
    with stack.inserted(VirtualEmrtd(key=key)):
        with pytest.raises(AuthenticationFailed):
            reader.read_identity(wrong)
        assert reader.read_identity(key).id_number == key.document_number  # card still usable


def test_missing_mrz_is_authentication_failed(stack, reader, key):
    """Bad input: read_identity() without the BAC data an eMRTD needs."""
    with stack.inserted(VirtualEmrtd(key=key)):
        with pytest.raises(AuthenticationFailed):
            reader.read_identity(None)


def test_no_card(stack, reader, key):
    """Bad input: a read with an empty reader."""
    with pytest.raises(NoCard):
        reader.read_identity(key)


def test_card_removed_mid_read(stack, reader, key):
    """Bad input: the card leaves the reader after 5 APDUs, in the middle of EF.COM."""
    link = stack.link(VirtualEmrtd(key=key))
    link.remove_after_apdus = 5
    link.insert()
    try:
        stack.wait_present(0, True)
        with pytest.raises(CardRemoved):
            reader.read_identity(key)
    finally:
        link.remove()
        stack.wait_present(0, False)


def test_card_that_stops_answering_times_out(stack, key):
    """Bad input: the chip reads a command and never answers; the read is bounded."""
    reader = stack.reader(timeout_s=1.0)
    link = stack.link(VirtualEmrtd(key=key))
    link.insert()
    try:
        stack.wait_present(0, True)
        link.mute = True
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            reader.read_identity(key)
        assert time.monotonic() - started < 2.0
    finally:
        link.remove()  # unblocks the abandoned transmit inside pcscd
        stack.wait_present(0, False)
    with stack.inserted(VirtualEmrtd(key=key)):  # the slot works again afterwards
        assert stack.reader().read_identity(key).id_number == key.document_number


def test_badge_uid(stack):
    with stack.inserted(VirtualBadge(uid=bytes.fromhex("04a1b2c3d4e5f6")), slot=1):
        badge = stack.reader(slot=1).read_badge()
    assert badge.uid == "04A1B2C3D4E5F6"


def test_insert_and_remove_events(stack, reader, key):
    rec = Recorder()
    reader.start(rec)
    with stack.inserted(VirtualEmrtd(key=key)):
        inserted = rec.wait_for(CardEventKind.INSERTED)
    removed = rec.wait_for(CardEventKind.REMOVED)
    assert [e.kind for e in rec.events] == [CardEventKind.INSERTED, CardEventKind.REMOVED]
    assert inserted.reader == removed.reader == reader.name == stack.reader_name(0)
    assert inserted.atr.startswith(b"\x3b")


def test_listener_that_raises_does_not_stop_the_monitor(stack, reader, key):
    """Bad input: an event listener that raises on every event."""
    seen = []

    def broken(event):
        seen.append(event.kind)
        raise RuntimeError("listener bug")

    reader.start(broken)
    for _ in range(2):
        with stack.inserted(VirtualEmrtd(key=key)):
            pass
    deadline = time.monotonic() + 5
    while len(seen) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [CardEventKind.INSERTED, CardEventKind.REMOVED] * 2


def test_monitor_and_reads_recover_after_pcscd_restart(stack, reader, key):
    """Bad input: pcscd is restarted while a card sits on the reader (pyscard#82)."""
    rec = Recorder()
    reader.start(rec)
    with stack.inserted(VirtualEmrtd(key=key)):
        rec.wait_for(CardEventKind.INSERTED)
        assert reader.read_identity(key).id_number == key.document_number
        mark = len(rec.events)
        stack.restart_pcscd()
        rec.wait_for(CardEventKind.READER_REMOVED, mark)
        rec.wait_for(CardEventKind.READER_ADDED, mark)
        rec.wait_for(CardEventKind.INSERTED, mark)  # the card reconnected to the new vpcd
        assert reader.read_identity(key).id_number == key.document_number
    assert reader.monitor_restarts >= 1


def test_pcscd_down_is_device_unavailable(stack, reader, key):
    """Bad input: pcscd is not running at all (service stopped)."""
    stack.stop_pcscd()
    try:
        with pytest.raises(DeviceUnavailable):
            reader.probe()
        with pytest.raises(DeviceUnavailable):
            reader.read_identity(key)
    finally:
        stack.start()
    with stack.inserted(VirtualEmrtd(key=key)):
        assert "card present" in reader.probe()


def test_pcscd_restarted_in_the_middle_of_a_read(stack, reader, key):
    """Bad input: pcscd restarts while a read is between two APDUs (slow chip)."""
    link = stack.link(VirtualEmrtd(key=key))
    link.delay_s = 0.2
    link.insert()
    outcome = {}

    def read():
        try:
            outcome["identity"] = reader.read_identity(key)
        except DeviceError as err:
            outcome["error"] = err

    try:
        stack.wait_present(0, True)
        worker = threading.Thread(target=read)
        worker.start()
        time.sleep(0.5)  # mid-BAC
        stack.restart_pcscd()
        worker.join(10)
        assert not worker.is_alive()
        assert isinstance(outcome.get("error"), (DeviceUnavailable, CardRemoved))
        link.delay_s = 0.0
        stack.wait_present(0, True)  # the link reconnected to the new vpcd
        assert reader.read_identity(key).id_number == key.document_number
    finally:
        link.remove()
        stack.wait_present(0, False)
