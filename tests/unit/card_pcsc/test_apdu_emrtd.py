"""ISO 7816-4 response handling and the eMRTD read against the virtual chip (no pcscd).

The virtual chip of tests/integration is driven directly through its `process` method
here, so these run in milliseconds; the same chip runs behind pcscd in the integration tests.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.card.apdu import ApduChannel, CommandApdu, ResponseApdu, raise_for_status
from devices.card.base import MrzKey
from devices.card.emrtd import parse_dg1, parse_ef_com, read_emrtd
from devices.card.mrz import bac_key_input
from devices.errors import AuthenticationFailed, CardError, CardRejected, ProtocolError
from tests.integration.card_pcsc.virtual_emrtd import VirtualEmrtd, dg1_file, ef_com_file

KEY = MrzKey("KT0000001", "900101", "350101")


class Script:
    """A scripted card: answers in order, records commands (a fake: exact SW sequences)."""

    def __init__(self, *answers: str) -> None:
        self.answers = [bytes.fromhex(a) for a in answers]
        self.sent: list[str] = []

    def __call__(self, command: bytes) -> bytes:
        self.sent.append(command.hex().upper())
        return self.answers.pop(0)


def test_command_apdu_encoding_cases():
    assert CommandApdu(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e").to_bytes().hex() == "00a4020c02011e"
    assert CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256).to_bytes().hex() == "00b0000000"
    assert CommandApdu(0x00, 0x84, 0x00, 0x00, le=8).to_bytes().hex() == "0084000008"
    for raw in ("00a4020c02011e", "00b0000000", "0082000002aabb28", "00c00000"):
        assert CommandApdu.from_bytes(bytes.fromhex(raw)).to_bytes().hex() == raw


def test_get_response_chaining():
    card = Script("AABB6102", "CCDD9000")
    resp = ApduChannel(card).send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    assert (resp.data.hex(), resp.sw) == ("aabbccdd", 0x9000)
    assert card.sent == ["00B0000004", "00C0000002"]


def test_wrong_le_resend():
    card = Script("6C03", "0102039000")
    resp = ApduChannel(card).send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256))
    assert (resp.data, resp.sw) == (b"\x01\x02\x03", 0x9000)
    assert card.sent == ["00B0000000", "00B0000003"]


def test_endless_61xx_is_bounded():
    """Bad input: a card that answers 61xx forever."""

    def card(_: bytes) -> bytes:
        return b"\x00\x61\x01"

    with pytest.raises(ProtocolError):
        ApduChannel(card).send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=1))


@pytest.mark.parametrize(
    "sw, error",
    [("6300", AuthenticationFailed), ("63C2", AuthenticationFailed), ("6982", AuthenticationFailed),
     ("6A82", CardRejected), ("6D00", CardRejected), ("6988", ProtocolError), ("6F00", CardError),
     ("6B00", ProtocolError)],
)
def test_status_words_map_to_device_errors(sw, error):
    """Bad input: each error status word."""
    with pytest.raises(error):
        raise_for_status(ResponseApdu.from_bytes(bytes.fromhex(sw)), "TEST")


@pytest.mark.parametrize("chain", [0, 7, 100])
def test_read_emrtd_against_virtual_chip(chain):
    card = VirtualEmrtd(key=KEY, chain=chain)
    data = read_emrtd(ApduChannel(card.process), bac_key_input(KEY))
    assert data.dg1 == card.files[0x0101]
    assert data.mrz.document_number == "KT0000001"
    assert "KT0000001" not in repr(data)


def test_read_emrtd_wrong_key():
    """Bad input: BAC data with a wrong expiry date."""
    card = VirtualEmrtd(key=KEY)
    with pytest.raises(AuthenticationFailed):
        read_emrtd(ApduChannel(card.process), bac_key_input(MrzKey("KT0000001", "900101", "350102")))


def test_ef_com_without_dg1_is_rejected():
    """Bad input: a chip whose EF.COM lists only DG2."""
    card = VirtualEmrtd(key=KEY)
    card.files[0x011E] = ef_com_file(b"\x75")
    with pytest.raises(CardRejected):
        read_emrtd(ApduChannel(card.process), bac_key_input(KEY))


def test_dg1_with_broken_mrz_is_rejected():
    """Bad input: DG1 whose MRZ has a wrong composite check digit."""
    card = VirtualEmrtd(key=KEY)
    card.files[0x0101] = dg1_file(card.mrz[:-1] + ("0" if card.mrz[-1] != "0" else "1"))
    with pytest.raises(CardRejected):
        read_emrtd(ApduChannel(card.process), bac_key_input(KEY))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_fuzz_file_parsers_only_raise_documented_errors(data):
    for parser in (parse_ef_com, parse_dg1):
        try:
            parser(data)
        except (ProtocolError, CardRejected):
            pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_fuzz_response_apdu(data):
    try:
        raise_for_status(ResponseApdu.from_bytes(data), "FUZZ")
    except (ProtocolError, CardError):
        pass
