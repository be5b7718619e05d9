"""A virtual eMRTD chip and technician badge, and their link to vsmartcard's vpcd driver.

The chip implements the card side of ICAO 9303 for fictional data: SELECT of the eMRTD
application, GET CHALLENGE, EXTERNAL AUTHENTICATE (BAC), then secure messaging for SELECT
and READ BINARY of EF.COM and DG1. It is built from the terminal's primitives
(`devices.card.icao_bac`) whose bytes are pinned by the appendix D unit tests.

`VpcdLink` speaks vpcd's socket protocol (see vsmartcard's `vicc`): the card connects to
the TCP port of the vpcd reader slot; every message is a 2-byte big-endian length then the
payload; a 1-byte payload is a control (0 power off, 1 power on, 2 reset, 4 get ATR),
anything longer is a command APDU to answer. A connected socket = a card on the reader.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from devices.card import tlv
from devices.card.apdu import CommandApdu
from devices.card.base import BadgeRead, Identity, MrzKey
from devices.card.emrtd import EF_COM, EF_DG1, EF_DG2, EMRTD_AID
from devices.card.icao_bac import (
    bac_keys,
    increment,
    pad,
    retail_mac,
    session_keys,
    tdes_decrypt,
    tdes_encrypt,
    unpad,
)
from devices.card.mrz import bac_key_input, check_digit
from devices.errors import ProtocolError

SW_OK = b"\x90\x00"
SW_SM_WRONG = b"\x69\x88"
SW_SECURITY = b"\x69\x82"
SW_AUTH_FAILED = b"\x63\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_INS = b"\x6d\x00"
SW_FUNC = b"\x6a\x81"
SW_WRONG_P = b"\x6b\x00"


def contactless_atr(historical: bytes = b"\x00" * 8) -> bytes:
    """A PC/SC part 3 style ATR for an ISO 14443-4 card, with its TCK."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


def td3_mrz(
    document_number: str,
    birth: str,
    expiry: str,
    *,
    surname: str = "TESTER",
    given: str = "KIOSK",
    state: str = "UTO",
    sex: str = "F",
) -> str:
    """A fictional TD3 MRZ (two 44-char lines joined, as DG1 stores it)."""
    l1 = f"P<{state}{surname}<<{given.replace(' ', '<')}".ljust(44, "<")[:44]
    number = document_number.ljust(9, "<")
    optional = "<" * 14
    l2 = number + check_digit(number) + state + birth + check_digit(birth) + sex
    l2 += expiry + check_digit(expiry) + optional + "<"
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return l1 + l2


def dg1_file(mrz: str) -> bytes:
    return tlv.encode(0x61, tlv.encode(0x5F1F, mrz.encode("ascii")))


def dg2_file(image: bytes, jpeg2000: bool = False) -> bytes:
    """DG2 holding one ISO/IEC 19794-5 facial record around `image` (no feature points)."""
    info = bytes([1, 1 if jpeg2000 else 0]) + (0).to_bytes(4, "big") + bytes(6)
    record = (20 + len(info) + len(image)).to_bytes(4, "big") + bytes(16) + info + image
    block = b"FAC\0" + b"010\0" + (14 + len(record)).to_bytes(4, "big") + b"\x00\x01" + record
    header = tlv.encode(0xA1, tlv.encode(0x80, b"\x01\x01") + tlv.encode(0x87, b"\x01\x01"))
    bit = tlv.encode(0x7F60, header + tlv.encode(0x5F2E, block))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + bit))


def ef_com_file(tags: bytes = b"\x61\x75") -> bytes:
    return tlv.encode(
        0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(0x5F36, b"040000") + tlv.encode(0x5C, tags)
    )


class VirtualCard:
    """What a card on a vpcd slot must answer."""

    atr: bytes = contactless_atr()

    def reset(self) -> None:
        """Power on / reset: forget every session state."""

    def process(self, apdu: bytes) -> bytes:
        raise NotImplementedError


@dataclass
class VirtualBadge(VirtualCard):
    """A contactless technician badge: answers only GET DATA UID (FF CA 00 00 00)."""

    uid: bytes = bytes.fromhex("04A1B2C3D4E5F6")

    def process(self, apdu: bytes) -> bytes:
        if apdu[:4] == b"\xff\xca\x00\x00":
            return self.uid + SW_OK
        return SW_INS


@dataclass
class VirtualEmrtd(VirtualCard):
    """A BAC-protected eMRTD chip holding EF.COM and DG1 for one fictional MRZ.

    `key` is what the chip derives its BAC keys from (the printed MRZ); a terminal that
    typed other data fails EXTERNAL AUTHENTICATE with 6300. `chain` > 0 makes the chip
    answer long responses in pieces of `chain` bytes with 61xx, exercising GET RESPONSE.
    `uid` is what the contactless reader reports for FF CA (a random one in real chips).
    `photo` (JPEG or JPEG 2000 bytes) puts a DG2 on the chip and in EF.COM's list.
    """

    key: MrzKey = field(default_factory=lambda: MrzKey("KT0000001", "900101", "350101"))
    mrz: str = ""
    chain: int = 0
    uid: bytes = bytes.fromhex("08112233")
    photo: bytes = b""
    apdu_count: int = 0

    def __post_init__(self) -> None:
        if not self.mrz:
            self.mrz = td3_mrz(self.key.document_number, self.key.birth_yymmdd, self.key.expiry_yymmdd)
        self.files = {EF_COM: ef_com_file(b"\x61\x75" if self.photo else b"\x61"), EF_DG1: dg1_file(self.mrz)}
        if self.photo:
            self.files[EF_DG2] = dg2_file(self.photo, jpeg2000=not self.photo.startswith(b"\xff\xd8"))
        self.k_enc, self.k_mac = bac_keys(bac_key_input(self.key))
        self.reset()

    def reset(self) -> None:
        self.applet = False
        self.rnd_ic: bytes | None = None
        self.session: tuple[bytes, bytes] | None = None
        self.ssc = b""
        self.selected: bytes | None = None
        self.pending = b""
        self.final_sw = SW_OK

    # --- transport -----------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        self.apdu_count += 1
        if apdu[:2] == b"\x00\xc0":  # GET RESPONSE: the next piece of a chained answer
            return self._chained(self.pending)
        answer = self._dispatch(apdu)
        if self.chain and len(answer) - 2 > self.chain:
            return self._chained(answer[:-2], answer[-2:])
        return answer

    def _chained(self, data: bytes, sw: bytes | None = None) -> bytes:
        if sw is not None:
            self.final_sw = sw
        piece, self.pending = data[: self.chain], data[self.chain :]
        if self.pending:
            return piece + bytes([0x61, min(len(self.pending), 256) & 0xFF])
        return piece + self.final_sw

    def _dispatch(self, apdu: bytes) -> bytes:
        try:
            cmd = CommandApdu.from_bytes(apdu)
        except ProtocolError:
            return b"\x67\x00"
        if cmd.cla == 0xFF and cmd.ins == 0xCA:
            return self.uid + SW_OK
        if cmd.cla & 0x0C == 0x0C:
            return self._secure(cmd)
        self.session = None  # any plain command after BAC ends the secure session
        if cmd.ins == 0xA4 and cmd.p1 == 0x04:
            self.applet = cmd.data == EMRTD_AID
            return SW_OK if self.applet else SW_NOT_FOUND
        if not self.applet:
            return SW_INS
        if cmd.ins == 0x84:
            self.rnd_ic = os.urandom(8)
            return self.rnd_ic + SW_OK
        if cmd.ins == 0x82:
            return self._external_authenticate(cmd.data)
        if cmd.ins in (0xA4, 0xB0):
            return SW_SECURITY  # files need BAC
        return SW_INS

    # --- BAC -------------------------------------------------------------------------

    def _external_authenticate(self, data: bytes) -> bytes:
        rnd_ic, self.rnd_ic = self.rnd_ic, None
        if rnd_ic is None or len(data) != 40:
            return SW_SECURITY
        e_ifd, m_ifd = data[:32], data[32:]
        if retail_mac(self.k_mac, e_ifd) != m_ifd:
            return SW_AUTH_FAILED
        s = tdes_decrypt(self.k_enc, e_ifd)
        rnd_ifd, rnd_ic_echo, k_ifd = s[:8], s[8:16], s[16:]
        if rnd_ic_echo != rnd_ic:
            return SW_AUTH_FAILED
        k_ic = os.urandom(16)
        e_ic = tdes_encrypt(self.k_enc, rnd_ic + rnd_ifd + k_ic)
        keys = session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)
        self.session, self.ssc = (keys.ks_enc, keys.ks_mac), keys.ssc
        return e_ic + retail_mac(self.k_mac, e_ic) + SW_OK

    # --- secure messaging --------------------------------------------------------------

    def _secure(self, cmd: CommandApdu) -> bytes:
        if self.session is None:
            return SW_SM_WRONG
        ks_enc, ks_mac = self.session
        try:
            objects = {o.tag: o.value for o in tlv.parse(cmd.data)}
            header = bytes([cmd.cla, cmd.ins, cmd.p1, cmd.p2])
            macced = b"".join(tlv.encode(t, objects[t]) for t in (0x87, 0x97) if t in objects)
            self.ssc = increment(self.ssc)
            if retail_mac(ks_mac, self.ssc + pad(header) + macced) != objects[0x8E]:
                raise ProtocolError("command MAC")
            data = unpad(tdes_decrypt(ks_enc, objects[0x87][1:])) if 0x87 in objects else b""
            le = (objects[0x97][0] or 256) if 0x97 in objects else 0
        except (ProtocolError, KeyError, IndexError):
            self.session = None  # an SM error ends the session (ICAO 9303-11 9.8)
            return SW_SM_WRONG
        answer = self._file_command(cmd.ins, cmd.p1, cmd.p2, data, le)
        return self._wrap(ks_enc, ks_mac, answer[:-2], answer[-2:])

    def _wrap(self, ks_enc: bytes, ks_mac: bytes, data: bytes, sw: bytes) -> bytes:
        self.ssc = increment(self.ssc)
        body = tlv.encode(0x87, b"\x01" + tdes_encrypt(ks_enc, pad(data))) if data else b""
        body += tlv.encode(0x99, sw)
        return body + tlv.encode(0x8E, retail_mac(ks_mac, self.ssc + body)) + SW_OK

    def _file_command(self, ins: int, p1: int, p2: int, data: bytes, le: int) -> bytes:
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big") if len(data) == 2 else -1
            self.selected = self.files.get(fid)
            return SW_OK if self.selected is not None else SW_NOT_FOUND
        if ins == 0xB0:
            if self.selected is None:
                return b"\x69\x86"
            offset = (p1 << 8) | p2
            if offset >= len(self.selected):
                return SW_WRONG_P
            return self.selected[offset : offset + le] + SW_OK
        return SW_INS


def card_for(item: Identity | BadgeRead) -> VirtualCard:
    """A virtual card presenting `item`: a badge, or a TD3 eMRTD whose DG1 reads back as
    exactly this identity (surname = the name's first word, the rest given names)."""
    if isinstance(item, BadgeRead):
        return VirtualBadge(uid=bytes.fromhex(item.uid))
    if item.valid_to is None:
        raise ValueError("an eMRTD always has an expiry date")
    key = MrzKey(item.id_number, item.birth_date.strftime("%y%m%d"), item.valid_to.strftime("%y%m%d"))
    surname, _, given = item.name.partition(" ")
    mrz = td3_mrz(
        key.document_number, key.birth_yymmdd, key.expiry_yymmdd,
        surname=surname, given=given, state=item.issuer or item.nationality, sex=item.sex or "<",
    )
    return VirtualEmrtd(key=key, mrz=mrz)


class VpcdLink:
    """Places a virtual card on one vpcd slot by connecting to the slot's TCP port.

    Faults for tests: `remove()` (card taken away), `mute` (card stops answering: commands
    are read but never answered), `remove_after_apdus` (card leaves mid-read after N
    command APDUs), `delay_s` (a slow chip: each answer waits that long). When pcscd (and so vpcd) goes away while the card is inserted, the
    link keeps reconnecting, like a card that stays on a reader whose service restarts.
    """

    def __init__(self, port: int, card: VirtualCard, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.card = card
        self.mute = False
        self.remove_after_apdus: int | None = None
        self.delay_s = 0.0
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._inserted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def inserted(self) -> bool:
        return self._inserted.is_set()

    def insert(self, timeout: float = 10.0) -> None:
        """Put the card on the reader (connect to vpcd, retrying until `timeout`)."""
        self._inserted.set()
        self._connect(timeout)
        self._thread = threading.Thread(target=self._serve, name=f"vicc-{self.port}", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Take the card off the reader."""
        self._inserted.clear()
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def _connect(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self._lock:
                    if not self._inserted.is_set():  # removed while we were connecting
                        sock.close()
                        raise OSError("card removed")
                    self._sock = sock
                self.card.reset()
                return
            except OSError:
                if time.monotonic() > deadline or not self._inserted.is_set():
                    raise
                time.sleep(0.05)

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("vpcd closed the link")
            data += chunk
        # vpcd writes the length and the payload in two segments; without an immediate
        # ACK, Nagle on its side plus delayed ACK on ours costs ~40 ms per message.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return data

    def _serve(self) -> None:
        while self._inserted.is_set():
            sock = self._sock
            try:
                if sock is None:
                    raise ConnectionError("not connected")
                (size,) = struct.unpack("!H", self._recv_exact(sock, 2))
                msg = self._recv_exact(sock, size)
            except (OSError, ConnectionError):
                if not self._inserted.is_set():
                    return
                try:  # vpcd went away (pcscd restarted): the card stays, reconnect
                    self._connect(timeout=30)
                except OSError:
                    return
                continue
            reply = self._handle(msg)
            if reply is not None:
                try:
                    sock.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    continue

    def _handle(self, msg: bytes) -> bytes | None:
        if len(msg) == 1:
            if msg[0] in (1, 2):
                self.card.reset()
            return self.card.atr if msg[0] == 4 else None
        self.apdus += 1
        if self.remove_after_apdus is not None and self.apdus > self.remove_after_apdus:
            threading.Thread(target=self.remove, daemon=True).start()
            return None
        if self.mute:
            return None
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.card.process(msg)
