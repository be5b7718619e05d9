"""GA 467 frames: what a SAM reader and its host say to each other over the serial line.

A frame is `AA AA AA 96 69 | LEN (2 bytes, big-endian) | body | XOR`, where LEN counts the
body plus the checksum byte and XOR is the exclusive-or of the two LEN bytes and the body.
A command's body is `CMD PARA [data]` (find card `20 01`, select `20 02`, read base
information `30 01`, SAM status `11 FF`, SAM ID `12 FF`); an answer's body is
`SW1 SW2 SW3 [data]`, SW3 being the status (0x90 success, 0x9F card found, ...).

`FrameDecoder` takes bytes as they arrive and cuts complete frames out of the stream: it
skips line noise, waits for split frames, and after a bad length or a bad checksum it
resynchronises on the next preamble, so one corrupt frame never hides the good one after it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from devices.errors import (
    CardRejected,
    CardRemoved,
    DeviceError,
    DeviceUnavailable,
    NoCard,
    ProtocolError,
)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2
MIN_LEN = 3  # CMD PARA + checksum (the shortest command); an answer has at least 4
# The longest documented answer (base text + photo + fingerprint, 30 10) has LEN 2307;
# a larger LEN can only be noise that happens to follow a preamble.
MAX_LEN = 4096


class Command(bytes, enum.Enum):
    """The commands this station sends (CMD, PARA)."""

    SAM_STATUS = b"\x11\xff"
    SAM_ID = b"\x12\xff"
    FIND_CARD = b"\x20\x01"
    SELECT_CARD = b"\x20\x02"
    READ_BASE = b"\x30\x01"


# SW3 status codes from the GA 467 SAM interface, with the error each one means here.
# None = success. Messages carry no card data.
STATUS: dict[int, tuple[type[DeviceError] | None, str]] = {
    0x90: (None, "success"),
    0x9F: (None, "card found"),
    0x10: (ProtocolError, "reader received a command with a bad checksum"),
    0x11: (ProtocolError, "reader received a command with a bad length"),
    0x21: (ProtocolError, "reader refused the command"),
    0x23: (ProtocolError, "command not permitted"),
    0x24: (ProtocolError, "reader reported an unidentified error"),
    0x31: (CardRejected, "card did not authenticate the reader"),
    0x32: (CardRejected, "reader could not authenticate the card (not a genuine card)"),
    0x33: (CardRejected, "card data failed verification"),
    0x40: (CardRejected, "unknown card type"),
    0x41: (CardRemoved, "card read failed: the card moved or was removed"),
    0x47: (ProtocolError, "SAM could not get a random number"),
    0x60: (DeviceUnavailable, "SAM self-test failed"),
    0x66: (DeviceUnavailable, "SAM is not authorised"),
    0x80: (NoCard, "no card on the reader"),
    0x81: (CardRemoved, "card could not be selected: it moved or was removed"),
    0x91: (CardRejected, "card holds no data for this item"),
}


def checksum(data: bytes) -> int:
    """XOR of all bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode(body: bytes) -> bytes:
    """Wrap a body (command or answer) in a frame."""
    length = len(body) + 1
    if length > MAX_LEN:
        raise ValueError("frame body too long")
    sized = length.to_bytes(2, "big") + body
    return PREAMBLE + sized + bytes([checksum(sized)])


def encode_command(command: Command, data: bytes = b"") -> bytes:
    return encode(command.value + data)


def encode_answer(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """An answer frame as a SAM sends it (used by the SAM simulator and tests)."""
    return encode(bytes([sw1, sw2, status]) + data)


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded answer: status byte (SW3) and payload. `repr` hides the payload."""

    status: int
    data: bytes

    def __repr__(self) -> str:
        return f"Answer(status=0x{self.status:02X}, {len(self.data)} bytes)"

    def raise_for_status(self) -> None:
        """Raise the documented error for a failure status; return for success."""
        error, reason = STATUS.get(self.status, (ProtocolError, "unknown status"))
        if error is not None:
            raise error(f"{reason} (status 0x{self.status:02X})")


def parse_answer(body: bytes) -> Answer:
    """Split an answer body into status and data. Raises ProtocolError when too short."""
    if len(body) < 3:
        raise ProtocolError("reader answer too short")
    return Answer(status=body[2], data=body[3:])


class FrameDecoder:
    """Cuts frame bodies out of a byte stream; never raises on bad input.

    `corrupt` counts frames dropped for a bad checksum, `skipped` counts noise bytes; the
    backend uses both to tell a silent reader (timeout) from a garbling one (protocol error).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.corrupt = 0
        self.skipped = 0

    def reset(self) -> None:
        """Forget buffered bytes (before sending a new command)."""
        self._buffer.clear()

    @property
    def pending(self) -> int:
        """Bytes buffered that do not yet form a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the bodies of every frame now complete, in order."""
        self._buffer += data
        bodies: list[bytes] = []
        while True:
            body = self._next()
            if body is None:
                return bodies
            bodies.append(body)

    def _next(self) -> bytes | None:
        buffer = self._buffer
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0:
                # Keep a tail that could be the start of a preamble split across reads.
                keep = next((k for k in range(len(PREAMBLE) - 1, 0, -1) if buffer.endswith(PREAMBLE[:k])), 0)
                self._drop(len(buffer) - keep)
                return None
            self._drop(start)
            if len(buffer) < HEADER_LEN:
                return None
            length = int.from_bytes(buffer[len(PREAMBLE) : HEADER_LEN], "big")
            if not MIN_LEN <= length <= MAX_LEN:
                self._drop(1)  # a preamble followed by an impossible length: noise
                continue
            end = HEADER_LEN + length
            if len(buffer) < end:
                return None
            sized = bytes(buffer[len(PREAMBLE) : end - 1])
            if checksum(sized) != buffer[end - 1]:
                self.corrupt += 1
                self._drop(1)  # resynchronise: a real frame may start inside this one
                continue
            body = sized[2:]
            del buffer[:end]
            return body

    def _drop(self, count: int) -> None:
        if count > 0:
            self.skipped += count
            del self._buffer[:count]
