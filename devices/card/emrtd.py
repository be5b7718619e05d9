"""Reading an ICAO 9303 eMRTD: select the applet, BAC, EF.COM, DG1 -> verified MRZ.

Independent of pyscard: it speaks to an `ApduChannel`, so the unit tests drive it with
the appendix D bytes and the integration tests through pcscd + vpcd.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.card import tlv
from devices.card.apdu import ApduChannel, CommandApdu, raise_for_status
from devices.card.icao_bac import SecureChannel, perform_bac
from devices.card.mrz import Mrz, parse_mrz
from devices.errors import CardRejected, ProtocolError

EMRTD_AID = bytes.fromhex("A0000002471001")
EF_COM = 0x011E
EF_DG1 = 0x0101
TAG_COM = 0x60
TAG_DG1 = 0x61
TAG_TAG_LIST = 0x5C
TAG_MRZ = 0x5F1F
#: Bytes per READ BINARY: keeps the protected response (DO87 + DO99 + DO8E) in a short APDU.
READ_CHUNK = 0xDF
#: EF.COM and DG1 are well under 1 KiB; a header announcing more is a broken or hostile chip.
MAX_FILE = 4096


@dataclass(frozen=True, slots=True)
class EmrtdData:
    """What a read returns. `ef_com`/`dg1` are the raw files (personal data: never log)."""

    ef_com: bytes
    dg1: bytes
    mrz: Mrz

    def __repr__(self) -> str:
        return "EmrtdData(<masked>)"


def select_applet(channel: ApduChannel) -> None:
    """SELECT the eMRTD application by AID (no FCI wanted)."""
    resp = channel.send(CommandApdu(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID))
    raise_for_status(resp, "SELECT eMRTD application")


def read_file(channel: SecureChannel, fid: int, name: str) -> bytes:
    """SELECT an elementary file and READ BINARY it whole, sized by its TLV header."""
    raise_for_status(channel.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))), f"SELECT {name}")
    head = raise_for_status(channel.send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4)), f"READ BINARY {name}")
    header, length = tlv.header_size(head)
    total = header + length
    if total > MAX_FILE:
        raise ProtocolError(f"{name} announces an implausible size")
    data = bytearray(head[:total])
    while len(data) < total:
        offset = len(data)
        want = min(READ_CHUNK, total - offset)
        cmd = CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=want)
        chunk = raise_for_status(channel.send(cmd), f"READ BINARY {name}")
        if not chunk:
            raise ProtocolError(f"{name}: card returned no data before the end of the file")
        data += chunk[:want]
    return bytes(data)


def parse_ef_com(data: bytes) -> list[int]:
    """The data group tags EF.COM lists (e.g. 0x61 for DG1)."""
    com = tlv.parse_one(data)
    if com.tag != TAG_COM:
        raise ProtocolError("EF.COM does not start with tag 60")
    return list(com.find(TAG_TAG_LIST).value)


def parse_dg1(data: bytes) -> Mrz:
    """The verified MRZ inside DG1 (61 -> 5F1F)."""
    dg1 = tlv.parse_one(data)
    if dg1.tag != TAG_DG1:
        raise ProtocolError("DG1 does not start with tag 61")
    try:
        text = dg1.find(TAG_MRZ).value.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("DG1 MRZ is not ASCII") from None
    return parse_mrz(text)


def read_emrtd(channel: ApduChannel, mrz_information: bytes) -> EmrtdData:
    """The whole read: applet, BAC, EF.COM (must list DG1), DG1 parsed and verified."""
    select_applet(channel)
    secure = perform_bac(channel, mrz_information)
    ef_com = read_file(secure, EF_COM, "EF.COM")
    if TAG_DG1 not in parse_ef_com(ef_com):
        raise CardRejected("EF.COM does not list DG1")
    dg1 = read_file(secure, EF_DG1, "DG1")
    return EmrtdData(ef_com, dg1, parse_dg1(dg1))
