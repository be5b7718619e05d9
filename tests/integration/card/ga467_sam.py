"""A GA 467 SAM reader simulated on a pty pair: real frames over a real tty.

The backend opens `sam.port` (the pty's slave side) with pyserial exactly as it would
open /dev/ttyUSB0; this thread answers on the master side. It models the card's states
as modules do: find card (20 01) answers "found" once for a fresh card, select (20 02)
works after a find or on a card already read, read base information (30 01) works on a
selected card and leaves it halted (find then answers "not found" until it is removed).

Fault modes (`inject`): noise before the next answer, the next answer cut short, a bad
checksum, the card pulled away during the next read, answers dribbled in small pieces,
a given status code, arbitrary bytes instead of the answer; `silent = True` makes the
reader stop answering.

Used by tests/integration/card, the card contract suite and bench/card.py.
"""

from __future__ import annotations

import enum
import hashlib
import os
import select
import threading
import time
import tty
from collections import deque

from devices.card.base import Identity
from devices.card.ga467_codec import Command, FrameDecoder, encode_answer
from devices.card.ga467_text import encode_base_text

SAM_ID = bytes.fromhex("0501000020261123000000010000002A")  # 16 bytes, as 12 FF answers
NOISE = b"\x00\xff\x13\xaa\xaa" + b"\xaa\xaa\xaa\x96\x69\xff\xff" + b"\x96\x69\x42"  # incl. a fake preamble


class Fault(enum.Enum):
    NOISE_BEFORE = "noise"  # line noise (with a fake preamble) before the next answer
    TRUNCATE = "truncate"  # only the first half of the next answer, then nothing
    BAD_CHECKSUM = "bad_checksum"  # the next answer's checksum byte is wrong
    REMOVE_DURING_READ = "remove_during_read"  # the card leaves during the next 30 01
    DRIBBLE = "dribble"  # the next answer arrives 7 bytes at a time
    STATUS = "status"  # the next answer is just a status code (see inject's `status`)
    REPLACE = "replace"  # the next answer is replaced by arbitrary bytes (see inject's `raw`)


def fake_wlt(identity: Identity) -> bytes:
    """1024 opaque bytes standing in for the encrypted WLT photo."""
    seed = hashlib.sha256(identity.id_number.encode()).digest()
    return (seed * 32)[:1024]


class SamSimulator:
    """Context manager: `with SamSimulator() as sam: Ga467CardReader(port=sam.port)`."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline, before anyone opens it
        self.port = os.ttyname(self._slave)
        self.commands: list[bytes] = []  # every command body received, in order
        self.silent = False
        self._faults: deque[tuple[Fault, int, bytes]] = deque()
        self._lock = threading.Lock()
        self._text: bytes | None = None
        self._photo = b""
        self._found = self._selected = self._halted = False
        self._wake_r, self._wake_w = os.pipe()
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="ga467-sam", daemon=True)
        self._thread.start()

    def __enter__(self) -> SamSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- scripting -------------------------------------------------------------------

    def insert(self, identity: Identity | None = None, *, text: bytes | None = None, photo: bytes | None = None) -> None:
        """Put a card on the reader: a fictional identity, or a raw 256-byte text."""
        if text is None:
            assert identity is not None
            text = encode_base_text(identity)
        with self._lock:
            self._text = text
            self._photo = photo if photo is not None else (fake_wlt(identity) if identity else b"\x00" * 1024)
            self._found = self._selected = self._halted = False

    def remove(self) -> None:
        with self._lock:
            self._text = None
            self._found = self._selected = self._halted = False

    def inject(self, fault: Fault, status: int = 0, raw: bytes = b"") -> None:
        """Apply `fault` to the next answer (REMOVE_DURING_READ: to the next read)."""
        with self._lock:
            self._faults.append((fault, status, raw))

    def close(self) -> None:
        self._running = False
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=2)
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)

    # --- the SAM -----------------------------------------------------------------------

    def _serve(self) -> None:
        decoder = FrameDecoder()
        while self._running:
            ready, _, _ = select.select([self._master, self._wake_r], [], [], 0.5)
            if self._master not in ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:  # EIO while no process has the slave open: nothing to read
                time.sleep(0.01)
                continue
            for body in decoder.feed(data):
                self.commands.append(body)
                if not self.silent:
                    self._send(*self._answer(body))

    def _answer(self, body: bytes) -> tuple[bytes, Fault | None]:
        with self._lock:
            fault, status, raw = self._take_fault(body)
            if fault is Fault.STATUS:
                return encode_answer(status), None
            if fault is Fault.REPLACE:
                return raw, None
            command = body[:2]
            if command == Command.SAM_STATUS.value:
                return encode_answer(0x90), fault
            if command == Command.SAM_ID.value:
                return encode_answer(0x90, SAM_ID), fault
            if command == Command.FIND_CARD.value:
                if self._text is not None and not self._halted:
                    self._found = True
                    return encode_answer(0x9F, bytes(4)), fault
                return encode_answer(0x80), fault
            if command == Command.SELECT_CARD.value:
                if self._text is not None and (self._found or self._halted):
                    self._selected = True
                    return encode_answer(0x90, bytes(8)), fault
                return encode_answer(0x81), fault
            if command == Command.READ_BASE.value:
                if fault is Fault.REMOVE_DURING_READ:
                    self._text = None
                    self._found = self._selected = self._halted = False
                    return encode_answer(0x41), None
                if self._text is None or not self._selected:
                    return encode_answer(0x41), fault
                self._found = self._selected = False
                self._halted = True
                payload = (
                    len(self._text).to_bytes(2, "big") + len(self._photo).to_bytes(2, "big") + self._text + self._photo
                )
                return encode_answer(0x90, payload), fault
            return encode_answer(0x21), fault

    def _take_fault(self, body: bytes) -> tuple[Fault | None, int, bytes]:
        if not self._faults:
            return None, 0, b""
        fault, status, raw = self._faults[0]
        if fault is Fault.REMOVE_DURING_READ and body[:2] != Command.READ_BASE.value:
            return None, 0, b""
        self._faults.popleft()
        return fault, status, raw

    def _send(self, frame: bytes, fault: Fault | None) -> None:
        if fault is Fault.NOISE_BEFORE:
            frame = NOISE + frame
        elif fault is Fault.TRUNCATE:
            frame = frame[: len(frame) // 2]
        elif fault is Fault.BAD_CHECKSUM:
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        chunk = 7 if fault is Fault.DRIBBLE else max(1, len(frame))
        for start in range(0, len(frame), chunk):
            view = memoryview(frame)[start : start + chunk]
            while view:
                written = os.write(self._master, view)
                view = view[written:]
            if fault is Fault.DRIBBLE:
                time.sleep(0.001)

