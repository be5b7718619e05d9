"""BER-TLV parser: known encodings, malformed input, and fuzzing (only TlvError comes out)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.card import tlv
from devices.card.tlv import TlvError

EF_COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")  # ICAO 9303-11 D.4


def test_ef_com_of_the_worked_example():
    com = tlv.parse_one(EF_COM)
    assert com.tag == 0x60 and com.constructed
    assert [c.tag for c in com.children()] == [0x5F01, 0x5F36, 0x5C]
    assert com.find(0x5F01).value == b"0106"
    assert com.find(0x5C).value == b"\x61\x75"
    assert tlv.header_size(EF_COM[:4]) == (2, 0x14)


@pytest.mark.parametrize("length", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234, 0x10000])
def test_long_form_lengths_round_trip(length):
    encoded = tlv.encode(0x5F1F, bytes(length))
    item = tlv.parse_one(encoded)
    assert (item.tag, len(item.value)) == (0x5F1F, length)


def test_primitive_has_no_children_and_find_misses():
    item = tlv.parse_one(tlv.encode(0x5C, b"\x61"))
    with pytest.raises(TlvError):
        item.children()
    with pytest.raises(TlvError):
        tlv.parse_one(EF_COM).find(0x77)


@pytest.mark.parametrize(
    "bad",
    [
        b"\x60",  # tag without length
        b"\x60\x05\x01",  # value shorter than its length
        b"\x5f",  # multi-byte tag cut short
        b"\x60\x82\x01",  # long-form length cut short
        b"\x60\x80\x00\x00",  # indefinite length
        b"\x60\x85\x00\x00\x00\x00\x01\x00",  # 5-byte length field
        b"\x5f\xff\xff\xff\xff\x01\x00",  # tag longer than 4 bytes
    ],
)
def test_malformed(bad):
    """Bad input: each truncation / forbidden form above."""
    with pytest.raises(TlvError):
        tlv.parse(bad)


def test_parse_one_refuses_trailing_objects():
    """Bad input: two objects where a file must be exactly one."""
    with pytest.raises(TlvError):
        tlv.parse_one(EF_COM + b"\x01\x00")


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_parse_only_raises_tlv_error(data):
    try:
        items = tlv.parse(data)
    except TlvError:
        return
    assert sum(len(i.value) for i in items) <= len(data)
    for item in items:
        if item.constructed:
            try:
                item.children()
            except TlvError:
                pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x5C, 0x5F1F, 0x61, 0x7F61, 0x87, 0x9F8101]), st.binary(max_size=300)),
                max_size=5))
def test_fuzz_encode_parse_round_trip(objects):
    data = b"".join(tlv.encode(tag, value) for tag, value in objects)
    assert [(i.tag, i.value) for i in tlv.parse(data)] == objects
