"""ISO 7816-4 command/response APDUs, and the ONE place that handles transport status words.

`ApduChannel.send` resolves the two transport-level status words every reader stack must
handle: `61xx` (more data: fetch it with GET RESPONSE) and `6Cxx` (wrong Le: resend with
Le = xx). Everything above (BAC, secure messaging, file reads) sees only final responses.
`raise_for_status` turns the remaining error status words into `devices.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devices.errors import (
    AuthenticationFailed,
    CardError,
    CardRejected,
    ProtocolError,
)

#: A raw transmit: command APDU bytes in, response bytes (data + SW1 SW2) out.
#: The backend bounds it in time and raises `devices.errors` on transport failure.
Transmit = Callable[[bytes], bytes]

#: Safety bound on GET RESPONSE chaining: 64 x 256 bytes is far more than any eMRTD
#: file we read in one command; a card that keeps answering 61xx forever is broken.
MAX_GET_RESPONSE = 64


@dataclass(frozen=True, slots=True)
class CommandApdu:
    """A short-length command APDU. `le=None` means no Le field; `le=256` encodes as 00."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} out of range")
        if len(self.data) > 255:
            raise ValueError("command data longer than 255 bytes (extended length unsupported)")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ValueError("le out of range")

    def to_bytes(self) -> bytes:
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    def with_le(self, le: int) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le)

    @classmethod
    def from_bytes(cls, raw: bytes) -> CommandApdu:
        """Parse a short APDU (cases 1-4). Raises ProtocolError when malformed."""
        if len(raw) < 4:
            raise ProtocolError("command APDU shorter than 4 bytes")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        lc = body[0]
        if lc == 0 or len(body) not in (1 + lc, 2 + lc):
            raise ProtocolError("command APDU length field does not match its body")
        data = bytes(body[1 : 1 + lc])
        le = (body[1 + lc] or 256) if len(body) == 2 + lc else None
        return cls(cla, ins, p1, p2, data, le)


@dataclass(frozen=True, slots=True)
class ResponseApdu:
    """A response: data field and status word."""

    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def to_bytes(self) -> bytes:
        return self.data + bytes([self.sw1, self.sw2])

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseApdu:
        if len(raw) < 2:
            raise ProtocolError("response APDU shorter than its status word")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])


def raise_for_status(resp: ResponseApdu, operation: str) -> bytes:
    """The data of a 9000 response, else the matching `devices.errors` exception.

    `operation` names the step (e.g. "EXTERNAL AUTHENTICATE") for the one-line message;
    it never contains card data.
    """
    sw = resp.sw
    if sw == 0x9000:
        return resp.data
    where = f"{operation}: SW {sw:04X}"
    if sw in (0x6300, 0x6982) or resp.sw1 == 0x63:
        raise AuthenticationFailed(f"{where} (access refused: check the document data)")
    if sw in (0x6987, 0x6988):
        raise ProtocolError(f"{where} (secure messaging objects missing or wrong)")
    if sw in (0x6A82, 0x6A83):
        raise CardRejected(f"{where} (file not on this card)")
    if sw in (0x6D00, 0x6E00, 0x6A81):
        raise CardRejected(f"{where} (card does not support this command)")
    if resp.sw1 in (0x64, 0x65, 0x6F):
        raise CardError(f"{where} (card error)")
    raise ProtocolError(f"{where} (unexpected status)")


class ApduChannel:
    """Sends command APDUs over a raw transmit, resolving 61xx and 6Cxx."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit

    def send(self, cmd: CommandApdu) -> ResponseApdu:
        resp = ResponseApdu.from_bytes(self._transmit(cmd.to_bytes()))
        if resp.sw1 == 0x6C:  # wrong Le: the card tells the exact length; resend once
            resp = ResponseApdu.from_bytes(self._transmit(cmd.with_le(resp.sw2 or 256).to_bytes()))
        data = resp.data
        for _ in range(MAX_GET_RESPONSE):
            if resp.sw1 != 0x61:
                return ResponseApdu(data, resp.sw1, resp.sw2)
            get_response = CommandApdu(cmd.cla & 0x03, 0xC0, 0x00, 0x00, le=resp.sw2 or 256)
            resp = ResponseApdu.from_bytes(self._transmit(get_response.to_bytes()))
            data += resp.data
        raise ProtocolError("card kept answering 61xx beyond the GET RESPONSE bound")
