"""ICAO 9303 part 11: Basic Access Control and 3DES secure messaging.

Pieces, each reproduced byte for byte against the worked example of appendix D in
`tests/unit/card_pcsc/test_icao_appendix_d.py`:
- `derive_key`: the SHA-1 key derivation function (Kenc c=1, Kmac c=2), DES parity adjusted;
- `tdes_encrypt`/`tdes_decrypt`: 2-key 3DES in CBC mode with a zero IV;
- `retail_mac`: ISO/IEC 9797-1 MAC algorithm 3 (DES CBC, final 3DES) over padding method 2;
- `BacChallenge`: the terminal side of the mutual authentication (E.IFD || M.IFD), and the
  session keys and send sequence counter (SSC) from the chip's answer;
- `SecureMessaging`: protects command APDUs (DO87 / DO97 / DO8E) and verifies and
  decrypts responses (DO87 / DO99 / DO8E), incrementing the SSC before each.

The chip side of the same protocol (the virtual eMRTD under tests/) is built from the same
primitives, so the two can only agree if both follow the published example.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from devices.card import tlv
from devices.card.apdu import ApduChannel, CommandApdu, ResponseApdu, raise_for_status
from devices.errors import AuthenticationFailed, ProtocolError

ENC_COUNTER = 1
MAC_COUNTER = 2
_ZERO_IV = bytes(8)


def _adjust_parity(key: bytes) -> bytes:
    """Set each byte's least significant bit so that the byte has odd parity (DES keys)."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | (bin(high).count("1") % 2 == 0))
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """The 16-byte 3DES key from a 16-byte seed: SHA-1(seed || counter)[:16], parity adjusted."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return _adjust_parity(digest[:16])


def key_seed(mrz_information: bytes) -> bytes:
    """Kseed: the first 16 bytes of SHA-1 over the MRZ information (see mrz.bac_key_input)."""
    return hashlib.sha1(mrz_information).digest()[:16]


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80 then zeros to a multiple of 8."""
    data = data + b"\x80"
    return data + bytes(-len(data) % 8)


def unpad(data: bytes) -> bytes:
    """Remove padding method 2; ProtocolError when there is none."""
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ProtocolError("secure messaging: bad padding in decrypted data")
    return stripped[:-1]


def _tdes(key: bytes, encrypt: bool, data: bytes) -> bytes:
    if len(data) % 8:
        raise ProtocolError("3DES input is not a multiple of the block size")
    # Expand to the 24-byte (K1,K2,K3) form: 8-byte keys are single DES, 16-byte are 2-key 3DES.
    full = (key * 3) if len(key) == 8 else key + key[:8] if len(key) == 16 else key
    cipher = Cipher(TripleDES(full), modes.CBC(_ZERO_IV))
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(data) + op.finalize()


def tdes_encrypt(key: bytes, data: bytes) -> bytes:
    return _tdes(key, True, data)


def tdes_decrypt(key: bytes, data: bytes) -> bytes:
    return _tdes(key, False, data)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 over pad(data): single-DES CBC with K1, last block 3DES."""
    padded = pad(data)
    chain = tdes_encrypt(key[:8], padded[:-8])[-8:] if len(padded) > 8 else _ZERO_IV
    return tdes_encrypt(key, _xor(chain, padded[-8:]))


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


@dataclass(frozen=True, slots=True, repr=False)  # keys derive from the MRZ: never in a repr
class SessionKeys:
    ks_enc: bytes
    ks_mac: bytes
    ssc: bytes


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SessionKeys:
    """KSenc, KSmac from K.IFD xor K.IC; SSC = the low 4 bytes of RND.IC then of RND.IFD."""
    seed = _xor(k_ifd, k_ic)
    return SessionKeys(
        derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER), rnd_ic[4:] + rnd_ifd[4:]
    )


@dataclass(frozen=True, slots=True, repr=False)  # keys derive from the MRZ: never in a repr
class BacChallenge:
    """The terminal's half of BAC for one GET CHALLENGE answer.

    `rnd_ifd` and `k_ifd` are random in production; the example pins them to reproduce the
    published bytes.
    """

    k_enc: bytes
    k_mac: bytes
    rnd_ic: bytes
    rnd_ifd: bytes
    k_ifd: bytes

    def command_data(self) -> bytes:
        """E.IFD || M.IFD for EXTERNAL AUTHENTICATE."""
        e_ifd = tdes_encrypt(self.k_enc, self.rnd_ifd + self.rnd_ic + self.k_ifd)
        return e_ifd + retail_mac(self.k_mac, e_ifd)

    def complete(self, response: bytes) -> SessionKeys:
        """Verify the chip's E.IC || M.IC and derive the session keys.

        A wrong MAC or wrong nonces mean the chip did not derive the same keys, i.e. the
        MRZ data does not match: AuthenticationFailed.
        """
        if len(response) != 40:
            raise AuthenticationFailed("BAC: chip answer has the wrong length")
        e_ic, m_ic = response[:32], response[32:]
        if not hmac.compare_digest(retail_mac(self.k_mac, e_ic), m_ic):
            raise AuthenticationFailed("BAC: chip answer MAC does not verify")
        r = tdes_decrypt(self.k_enc, e_ic)
        if r[:8] != self.rnd_ic or r[8:16] != self.rnd_ifd:
            raise AuthenticationFailed("BAC: chip answer nonces do not match")
        return session_keys(self.k_ifd, r[16:32], self.rnd_ic, self.rnd_ifd)


def bac_keys(mrz_information: bytes) -> tuple[bytes, bytes]:
    """(Kenc, Kmac) from the MRZ information."""
    seed = key_seed(mrz_information)
    return derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER)


def increment(ssc: bytes) -> bytes:
    """SSC + 1 as a big-endian counter of the same width (wraps at the top)."""
    return ((int.from_bytes(ssc, "big") + 1) % (1 << (8 * len(ssc)))).to_bytes(len(ssc), "big")


class SecureMessaging:
    """3DES secure messaging state: session keys and the send sequence counter."""

    def __init__(self, keys: SessionKeys) -> None:
        self.ks_enc = keys.ks_enc
        self.ks_mac = keys.ks_mac
        self.ssc = keys.ssc

    def protect(self, cmd: CommandApdu) -> CommandApdu:
        """The protected form of `cmd`: masked CLA 0C, DO87 (encrypted data), DO97 (Le), DO8E."""
        self.ssc = increment(self.ssc)
        header = bytes([cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2])
        body = b""
        if cmd.data:
            body += tlv.encode(0x87, b"\x01" + tdes_encrypt(self.ks_enc, pad(cmd.data)))
        if cmd.le is not None:
            body += tlv.encode(0x97, bytes([cmd.le & 0xFF]))
        mac = retail_mac(self.ks_mac, self.ssc + pad(header) + body)
        return CommandApdu(header[0], cmd.ins, cmd.p1, cmd.p2, body + tlv.encode(0x8E, mac), le=256)

    def unprotect(self, resp: ResponseApdu) -> ResponseApdu:
        """Verify DO8E over DO87/DO99 and return the plain response (data, status word).

        A card error outside secure messaging (no data objects) is returned as is so that
        `raise_for_status` can map it; a bad MAC is a ProtocolError (session broken).
        """
        self.ssc = increment(self.ssc)
        if not resp.data:
            if resp.ok:  # success must be MAC-protected, else anyone could fake it
                raise ProtocolError("secure messaging: unprotected success response")
            return resp
        objects = tlv.parse(resp.data)
        macced = b"".join(tlv.encode(o.tag, o.value) for o in objects if o.tag in (0x85, 0x87, 0x99))
        try:
            mac = next(o.value for o in objects if o.tag == 0x8E)
            status = next(o.value for o in objects if o.tag == 0x99)
        except StopIteration:
            raise ProtocolError("secure messaging: response lacks DO8E or DO99") from None
        if not hmac.compare_digest(retail_mac(self.ks_mac, self.ssc + macced), mac):
            raise ProtocolError("secure messaging: response MAC does not verify")
        if len(status) != 2:
            raise ProtocolError("secure messaging: DO99 is not a status word")
        data = b""
        for obj in objects:
            if obj.tag == 0x87:
                if not obj.value or obj.value[0] != 0x01:
                    raise ProtocolError("secure messaging: DO87 lacks the padding indicator")
                data = unpad(tdes_decrypt(self.ks_enc, obj.value[1:]))
        return ResponseApdu(data, status[0], status[1])


class SecureChannel:
    """An `ApduChannel` whose commands go through secure messaging."""

    def __init__(self, channel: ApduChannel, sm: SecureMessaging) -> None:
        self._channel = channel
        self.sm = sm

    def send(self, cmd: CommandApdu) -> ResponseApdu:
        return self.sm.unprotect(self._channel.send(self.sm.protect(cmd)))


def perform_bac(
    channel: ApduChannel, mrz_information: bytes, rng: Callable[[int], bytes] = os.urandom
) -> SecureChannel:
    """GET CHALLENGE + EXTERNAL AUTHENTICATE; a secure channel on success.

    `rng` supplies RND.IFD (8 bytes) then K.IFD (16 bytes); tests pin it to the example.
    A chip that refuses (6300 / 6982) or whose answer does not verify raises
    AuthenticationFailed: the MRZ data the citizen typed does not match the document.
    """
    k_enc, k_mac = bac_keys(mrz_information)
    rnd_ic = raise_for_status(channel.send(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8)), "GET CHALLENGE")
    if len(rnd_ic) != 8:
        raise ProtocolError("GET CHALLENGE: challenge is not 8 bytes")
    challenge = BacChallenge(k_enc, k_mac, rnd_ic, rng(8), rng(16))
    resp = channel.send(CommandApdu(0x00, 0x82, 0x00, 0x00, challenge.command_data(), le=40))
    keys = challenge.complete(raise_for_status(resp, "EXTERNAL AUTHENTICATE"))
    return SecureChannel(channel, SecureMessaging(keys))
