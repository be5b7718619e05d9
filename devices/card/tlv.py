"""BER-TLV (ISO 7816-4 / ASN.1 BER subset) as eMRTD files use it.

The chip is an untrusted peer: every length is checked against the bytes actually present,
so a malformed file raises `TlvError` (a `ProtocolError`) and never an IndexError.
Supported: multi-byte tags (up to 4 bytes), definite lengths in short form and in long
form up to 4 length bytes. Indefinite length (0x80) is not allowed in eMRTD data and is
refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from devices.errors import ProtocolError


class TlvError(ProtocolError):
    """The bytes are not well-formed BER-TLV."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One data object. `tag` is the tag bytes read as a big-endian integer (e.g. 0x5F1F)."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        """Bit 6 of the first tag byte: the value is itself a sequence of TLVs."""
        first = self.tag.to_bytes((self.tag.bit_length() + 7) // 8 or 1, "big")[0]
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        """The nested objects of a constructed TLV (raises TlvError if primitive)."""
        if not self.constructed:
            raise TlvError(f"tag {self.tag:X} is primitive, it has no children")
        return parse(self.value)

    def find(self, tag: int) -> Tlv:
        """The first direct child with `tag`, or TlvError when absent."""
        for child in self.children():
            if child.tag == tag:
                return child
        raise TlvError(f"tag {tag:X} not found in {self.tag:X}")


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """(tag, position after the tag) for the tag starting at `pos`."""
    if pos >= len(data):
        raise TlvError("truncated TLV: missing tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # subsequent tag bytes, bit 8 set = more follow
        while True:
            if pos >= len(data):
                raise TlvError("truncated TLV: tag continues past the end")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if tag > 0xFFFFFFFF:
                raise TlvError("TLV tag longer than 4 bytes")
            if not byte & 0x80:
                break
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """(length, position after the length field) for the length starting at `pos`."""
    if pos >= len(data):
        raise TlvError("truncated TLV: missing length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise TlvError("indefinite TLV length is not allowed")
    if count > 4:
        raise TlvError("TLV length field longer than 4 bytes")
    if pos + count > len(data):
        raise TlvError("truncated TLV: length field past the end")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def header_size(data: bytes) -> tuple[int, int]:
    """(size of tag+length, value length) of the TLV at the start of `data`.

    Used to learn a file's total size from its first bytes before reading the rest.
    """
    _, pos = read_tag(data, 0)
    length, pos = read_length(data, pos)
    return pos, length


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    """The consecutive top-level TLVs in `data`; every byte must belong to one."""
    pos = 0
    while pos < len(data):
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        end = pos + length
        if end > len(data):
            raise TlvError("truncated TLV: value runs past the end")
        yield Tlv(tag, bytes(data[pos:end]))
        pos = end


def parse(data: bytes) -> list[Tlv]:
    """All top-level TLVs of `data` (see `iter_tlv`)."""
    return list(iter_tlv(data))


def parse_one(data: bytes) -> Tlv:
    """Exactly one TLV filling `data` (an eMRTD file: EF.COM, DG1)."""
    items = parse(data)
    if len(items) != 1:
        raise TlvError(f"expected one TLV, found {len(items)}")
    return items[0]


def encode_length(length: int) -> bytes:
    """The BER definite length field for `length`."""
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    if len(body) > 4:
        raise ValueError("length too large for BER-TLV")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    """Tag, length and value as bytes."""
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return tag_bytes + encode_length(len(value)) + value
