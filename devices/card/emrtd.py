"""Reading an ICAO 9303 eMRTD: select the applet, BAC, EF.COM, DG1 -> verified MRZ, and DG2
(the holder's portrait, the face check's reference) when EF.COM lists it.

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
EF_DG2 = 0x0102
TAG_COM = 0x60
TAG_DG1 = 0x61
TAG_DG2 = 0x75
TAG_TAG_LIST = 0x5C
TAG_MRZ = 0x5F1F
#: Bytes per READ BINARY: keeps the protected response (DO87 + DO99 + DO8E) in a short APDU.
READ_CHUNK = 0xDF
#: EF.COM and DG1 are well under 1 KiB; a header announcing more is a broken or hostile chip.
MAX_FILE = 4096
#: DG2 holds a compressed portrait, typically 12-25 KB; READ BINARY with an offset in P1-P2
#: reaches 32767 bytes, which is also this reader's bound for it.
MAX_DG2 = 0x7FFF
#: DG2's biometric templates (ICAO 9303-10, 4.7.2) and the ISO/IEC 19794-5 facial record in them.
TAG_BIT_GROUP = 0x7F61
TAG_BIT = 0x7F60
TAG_BDB = 0x5F2E
TAG_BDB_ENCIPHERED = 0x7F2E
FAC_HEADER = 14  # "FAC\0", version, record length (4), number of faces (2)
FAC_RECORD_HEADER = 20  # block length (4), feature points (2), 14 bytes of face properties
FAC_FEATURE_POINT = 8
FAC_IMAGE_INFO = 12  # image type, data type (0 JPEG, 1 JPEG 2000), width, height, ...


@dataclass(frozen=True, slots=True)
class EmrtdData:
    """What a read returns. `ef_com`/`dg1` are the raw files (personal data: never log)."""

    ef_com: bytes
    dg1: bytes
    mrz: Mrz
    photo: bytes = b""  # DG2's portrait (JPEG or JPEG 2000), empty when the chip lists no DG2

    def __repr__(self) -> str:
        return "EmrtdData(<masked>)"


def select_applet(channel: ApduChannel) -> None:
    """SELECT the eMRTD application by AID (no FCI wanted)."""
    resp = channel.send(CommandApdu(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID))
    raise_for_status(resp, "SELECT eMRTD application")


def read_file(channel: SecureChannel, fid: int, name: str, max_size: int = MAX_FILE) -> bytes:
    """SELECT an elementary file and READ BINARY it whole, sized by its TLV header."""
    raise_for_status(channel.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))), f"SELECT {name}")
    head = raise_for_status(channel.send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4)), f"READ BINARY {name}")
    header, length = tlv.header_size(head)
    total = header + length
    if total > max_size:
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


def parse_dg2(data: bytes) -> bytes:
    """The first portrait in DG2 (75 -> 7F61 -> 7F60 -> 5F2E), as JPEG or JPEG 2000 bytes.

    The biometric data block is an ISO/IEC 19794-5 facial record: a fixed header, the
    record's header, its feature points, the image information, then the image itself.
    Every length is checked against the bytes present; an enciphered block (7F2E, needs
    extended access control) is refused, since the station has no key for it.
    """
    dg2 = tlv.parse_one(data)
    if dg2.tag != TAG_DG2:
        raise ProtocolError("DG2 does not start with tag 75")
    bit = dg2.find(TAG_BIT_GROUP).find(TAG_BIT)
    if any(child.tag == TAG_BDB_ENCIPHERED for child in bit.children()):
        raise CardRejected("DG2's portrait is enciphered")
    block = bit.find(TAG_BDB).value
    if block[:4] != b"FAC\0" or len(block) < FAC_HEADER + FAC_RECORD_HEADER + FAC_IMAGE_INFO:
        raise ProtocolError("DG2 holds no ISO/IEC 19794-5 facial record")
    if int.from_bytes(block[12:14], "big") < 1:
        raise ProtocolError("DG2's facial record holds no face")
    record = FAC_HEADER
    record_len = int.from_bytes(block[record:record + 4], "big")
    points = int.from_bytes(block[record + 4:record + 6], "big")
    image_at = record + FAC_RECORD_HEADER + points * FAC_FEATURE_POINT + FAC_IMAGE_INFO
    end = record + record_len
    if record_len < image_at - record or end > len(block):
        raise ProtocolError("DG2's facial record has inconsistent lengths")
    return block[image_at:end]


def read_emrtd(channel: ApduChannel, mrz_information: bytes) -> EmrtdData:
    """The whole read: applet, BAC, EF.COM (must list DG1), DG1 parsed and verified, and
    DG2's portrait when EF.COM lists DG2."""
    select_applet(channel)
    secure = perform_bac(channel, mrz_information)
    ef_com = read_file(secure, EF_COM, "EF.COM")
    listed = parse_ef_com(ef_com)
    if TAG_DG1 not in listed:
        raise CardRejected("EF.COM does not list DG1")
    dg1 = read_file(secure, EF_DG1, "DG1")
    photo = parse_dg2(read_file(secure, EF_DG2, "DG2", MAX_DG2)) if TAG_DG2 in listed else b""
    return EmrtdData(ef_com, dg1, parse_dg1(dg1), photo)
