"""Resident ID cards through a GA 467 SAM reader on a serial port (pyserial).

A read is three commands: find card (20 01), select (20 02), read base information
(30 01), which answers `text length(2) | photo length(2) | 256-byte text | 1024-byte WLT
photo`. The text is parsed and validated by `ga467_text`; the WLT photo is encrypted-
compressed in a vendor format whose decoder ships as a native library, so it stays opaque
bytes unless a `photo_decoder` is plugged in (e.g. a ctypes wrapper of the vendor's
`unpack` function returning BMP bytes).

Every command is bounded by `timeout_s`. An answer with a bad checksum is asked for once
more (find and select are resent; a read reruns the whole sequence); a reader that
answers with noise or half a frame is a ProtocolError, one that says nothing a
DeviceTimeout, a port that cannot be opened DeviceUnavailable.

A polling thread asks "find card" every `poll_interval_s` and turns the answers into
INSERTED/REMOVED events; two failed polls in a row mean the reader is gone
(READER_REMOVED), and the first answer after that brings it back (READER_ADDED). Some
modules answer "no card" to find card while a card already read still lies on the
reader (the card is halted), so "no card" is confirmed with select card before the
poller reports a removal.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import serial

from devices.card.base import BadgeRead, Capability, CardEvent, CardEventKind, CardListener, Identity, MrzKey
from devices.card.events import deliver
from devices.card.ga467_codec import Answer, Command, FrameDecoder, encode_command, parse_answer
from devices.card.ga467_text import TEXT_LEN, parse_base_text
from devices.card.settings import Ga467Settings
from devices.errors import (
    CardRejected,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    NoCard,
    ProtocolError,
)

PhotoDecoder = Callable[[bytes], bytes]
"""Turns the 1024-byte WLT photo into an image (e.g. BMP bytes). Raises on bad input."""

FOUND, SUCCESS, NOT_FOUND = 0x9F, 0x90, 0x80
_READ_SLICE_S = 0.02  # the port's read timeout: how often the read loop checks its deadline
_FAILED_POLLS_FOR_GONE = 2


class Ga467CardReader:
    """Implements `devices.card.base.CardReader` for GA 467 SAM readers."""

    capabilities = Capability.RESIDENT_ID  # the SAM decodes resident ID cards and permits only

    def __init__(
        self,
        settings: Ga467Settings,
        *,
        photo_decoder: PhotoDecoder | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.name = f"GA 467 reader on {settings.port}"
        self._settings = settings
        self._photo_decoder = photo_decoder
        self._today = today
        self._io = threading.RLock()  # one command sequence on the wire at a time
        self._port: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- CardReader protocol ---------------------------------------------------------

    def start(self, listener: CardListener) -> None:
        """Start the polling thread; a card already present is reported as INSERTED."""
        if self._thread is not None:
            raise RuntimeError("reader already started")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._poll_loop, args=(listener,), name="card-ga467-poll", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._settings.timeout_s * 2 + 1)
        with self._io:
            self._close()

    def card_present(self) -> bool:
        with self._io:
            return self._activate(select=False)

    def read_identity(self, mrz: MrzKey | None = None) -> Identity:
        """Find, select and read the card; `mrz` is not needed by GA 467 cards."""
        with self._io:
            try:
                answer = self._read_base()
            except _CorruptAnswer:
                # Line noise hit the 1,295-byte answer. Read base information cannot simply
                # be resent (the card is halted after a read): run the whole sequence again.
                answer = self._read_base()
        answer.raise_for_status()
        text, photo = split_base_information(answer.data)
        if self._photo_decoder is not None:
            try:
                photo = self._photo_decoder(photo)
            except Exception as exc:  # noqa: BLE001 - a vendor library may raise anything
                raise ProtocolError(f"photo decoder failed ({type(exc).__name__})") from None
        return parse_base_text(
            text, photo, today=self._today(), reject_expired=self._settings.reject_expired
        )

    def read_badge(self) -> BadgeRead:
        raise CardRejected("a GA 467 reader cannot read technician badges")

    def probe(self) -> str:
        """Ask the SAM for its status and ID (an equipment identifier, not personal data)."""
        with self._io:
            self._transact(Command.SAM_STATUS).raise_for_status()
            answer = self._transact(Command.SAM_ID)
        answer.raise_for_status()
        return f"{self.name}: SAM {answer.data.hex().upper() or 'ok'}"

    # --- card presence ---------------------------------------------------------------

    def _read_base(self) -> Answer:
        if not self._activate(select=True):
            raise NoCard("no card on the reader")
        return self._transact(Command.READ_BASE, resend=False)

    def _activate(self, *, select: bool) -> bool:
        """Whether a card is there; with `select`, leave it selected for a read.

        Find card answers "found" for a fresh card; a card that was already read answers
        "not found" but can still be selected, which is how it is told apart from none.
        """
        found = self._transact(Command.FIND_CARD)
        if found.status not in (FOUND, NOT_FOUND):
            found.raise_for_status()
            raise ProtocolError(f"unexpected answer to find card (status 0x{found.status:02X})")
        if found.status == FOUND and not select:
            return True
        selected = self._transact(Command.SELECT_CARD)
        if selected.status == SUCCESS:
            return True
        if found.status == FOUND:
            selected.raise_for_status()  # found but not selectable: moved or removed
        return False

    def _poll_loop(self, listener: CardListener) -> None:
        present = False
        reachable = True
        failures = 0
        while not self._stop.is_set():
            try:
                now_present = self.card_present()
            except DeviceError:
                failures += 1
                if reachable and failures >= _FAILED_POLLS_FOR_GONE:
                    if present:
                        present = False
                        deliver(listener, CardEvent(CardEventKind.REMOVED, self.name))
                    reachable = False
                    deliver(listener, CardEvent(CardEventKind.READER_REMOVED, self.name))
            else:
                failures = 0
                if not reachable:
                    reachable = True
                    deliver(listener, CardEvent(CardEventKind.READER_ADDED, self.name))
                if now_present != present:
                    present = now_present
                    kind = CardEventKind.INSERTED if present else CardEventKind.REMOVED
                    deliver(listener, CardEvent(kind, self.name))
            self._stop.wait(self._settings.poll_interval_s)

    # --- the wire ----------------------------------------------------------------------

    def _open(self) -> serial.SerialBase:
        if self._port is None:
            try:
                self._port = serial.serial_for_url(
                    self._settings.port,
                    baudrate=self._settings.baud,
                    timeout=_READ_SLICE_S,
                    write_timeout=self._settings.timeout_s,
                    exclusive=True,
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                raise DeviceUnavailable(f"cannot open {self._settings.port}: {type(exc).__name__}") from None
            self._decoder = FrameDecoder()
        return self._port

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # closing a port that vanished: nothing left to release

    def _transact(self, command: Command, data: bytes = b"", *, resend: bool = True) -> Answer:
        """Send one command and wait for its answer, at most `timeout_s`.

        An answer with a bad checksum makes an idempotent command (`resend`) go out once
        more; a second corrupt answer, or the first one without `resend`, is a ProtocolError.
        """
        with self._io:
            port = self._open()
            frame = encode_command(command, data)
            decoder = self._decoder
            try:
                port.reset_input_buffer()
                decoder.reset()
                skipped, corrupt = decoder.skipped, decoder.corrupt
                port.write(frame)
                resent = False
                deadline = time.monotonic() + self._settings.timeout_s
                while time.monotonic() < deadline:
                    chunk = port.read(max(1, port.in_waiting))
                    bodies = decoder.feed(chunk) if chunk else []
                    if bodies:
                        return parse_answer(bodies[0])
                    if decoder.corrupt > corrupt:
                        if resent or not resend:
                            raise _CorruptAnswer("reader answered with corrupt frames (bad checksum)")
                        resent, corrupt = True, decoder.corrupt
                        port.reset_input_buffer()
                        decoder.reset()
                        port.write(frame)
            except (serial.SerialException, OSError) as exc:
                self._close()
                raise DeviceUnavailable(f"lost {self._settings.port}: {type(exc).__name__}") from None
            if decoder.pending or decoder.skipped > skipped:
                raise ProtocolError("reader answer was incomplete or garbled")
            raise DeviceTimeout(f"reader did not answer within {self._settings.timeout_s:g} s")


class _CorruptAnswer(ProtocolError):
    """An answer failed its checksum (internal: callers see a ProtocolError)."""


def split_base_information(data: bytes) -> tuple[bytes, bytes]:
    """Split a 30 01 answer into (256-byte text, photo). Raises ProtocolError."""
    if len(data) < 4:
        raise ProtocolError("base information too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN or len(data) != 4 + text_len + photo_len:
        raise ProtocolError("base information lengths do not match its content")
    return data[4 : 4 + text_len], data[4 + text_len :]
