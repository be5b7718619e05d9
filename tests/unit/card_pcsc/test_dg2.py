"""DG2, the passport's portrait: parsed from the bytes and read from the virtual chip over
real BAC secure messaging (3DES, retail MAC, send sequence counter), without pcscd."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.card import tlv
from devices.card.apdu import ApduChannel
from devices.card.base import MrzKey
from devices.card.emrtd import EF_DG2, parse_dg2, read_emrtd
from devices.card.mrz import bac_key_input
from devices.errors import CardRejected, ProtocolError
from devices.face.reference import decode_photo
from tests.integration.card_pcsc.virtual_emrtd import VirtualEmrtd, dg2_file

KEY = MrzKey("KT0000001", "900101", "350101")
PORTRAIT = "devices/face/samples/person_b.jpg"


def _portrait(fmt: str) -> bytes:
    out = io.BytesIO()
    lossy = {"quality_mode": "rates", "quality_layers": [30]} if fmt == "JPEG2000" else {"quality": 80}
    Image.open(PORTRAIT).save(out, fmt, **lossy)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "JPEG2000"])
def test_portrait_read_over_secure_messaging(fmt):
    image = _portrait(fmt)
    assert len(image) > 3 * 0xDF  # several READ BINARY chunks, each MACed and enciphered
    card = VirtualEmrtd(key=KEY, photo=image)
    data = read_emrtd(ApduChannel(card.process), bac_key_input(KEY))
    assert data.photo == image
    assert decode_photo(data.photo).shape[:2] == Image.open(PORTRAIT).size[::-1]
    assert data.mrz.identity(photo=data.photo).photo == image


def test_chip_without_dg2_gives_no_photo():
    data = read_emrtd(ApduChannel(VirtualEmrtd(key=KEY).process), bac_key_input(KEY))
    assert data.photo == b""


def test_enciphered_portrait_is_refused():
    """Bad input: a DG2 whose biometric block needs extended access control (7F2E)."""
    bit = tlv.encode(0x7F60, tlv.encode(0xA1, tlv.encode(0x80, b"\x01\x01")) + tlv.encode(0x7F2E, b"\x00" * 8))
    with pytest.raises(CardRejected):
        parse_dg2(tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + bit)))


def test_record_longer_than_its_block_is_refused():
    """Bad input: the facial record's length points past the end of the data."""
    good = dg2_file(b"\xff\xd8\xff" + bytes(40))
    block = tlv.parse_one(good).find(0x7F61).find(0x7F60).find(0x5F2E).value
    broken = block[:14] + (len(block) * 2).to_bytes(4, "big") + block[18:]
    bit = tlv.encode(0x7F60, tlv.encode(0x5F2E, broken))
    with pytest.raises(ProtocolError):
        parse_dg2(tlv.encode(0x75, tlv.encode(0x7F61, bit)))


def test_oversized_dg2_is_refused_before_reading_it():
    """Bad input: a DG2 header announcing more than READ BINARY's offsets can reach."""
    card = VirtualEmrtd(key=KEY, photo=_portrait("JPEG"))
    card.files[EF_DG2] = b"\x75\x83\x01\x00\x00" + bytes(64)
    with pytest.raises(ProtocolError):
        read_emrtd(ApduChannel(card.process), bac_key_input(KEY))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_dg2_only_raises_documented_errors(data):
    for candidate in (data, tlv.encode(0x75, data), tlv.encode(0x75, tlv.encode(0x7F61, data))):
        try:
            parse_dg2(candidate)
        except (ProtocolError, CardRejected):
            pass
