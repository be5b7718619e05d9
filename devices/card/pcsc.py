"""PC/SC backend (pyscard): ICAO 9303 eMRTDs and technician badges through pcscd.

Why not pyscard's `CardMonitor`: its thread exits for good on the first PC/SC error, which
is what happens when pcscd restarts or the reader is unplugged (pyscard#82, #128), and it
shares one global context that never recovers (pyscard#27). `_Monitor` is our own
supervised loop over the raw `SCardGetStatusChange` with a bounded timeout and its own
context: when the service goes away it reports the cards and readers as gone, drops the
context, and re-establishes it with backoff until pcscd is back; no caller has to notice.

Every card operation runs under one deadline (`timeout_s`): each PC/SC call that can
block (connect, transmit, disconnect) runs in a short-lived daemon thread and is
abandoned with `DeviceTimeout` when the deadline passes; pcsc-lite has no transmit
timeout of its own, and a card that stops answering would otherwise block forever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from smartcard import scard

from devices.card.apdu import ApduChannel, CommandApdu, raise_for_status
from devices.card.base import BadgeRead, Capability, CardEvent, CardEventKind, CardListener, Identity, MrzKey
from devices.card.emrtd import EMRTD_AID, read_emrtd
from devices.card.events import deliver
from devices.card.mrz import bac_key_input
from devices.errors import (
    CardError,
    CardRejected,
    CardRemoved,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    MrzRequired,
    NoCard,
    ProtocolError,
)

if TYPE_CHECKING:
    from devices.card.settings import PcscSettings

log = logging.getLogger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_F_COMM_ERROR,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
}
_CARD_GONE = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD}
_EVENT_COUNTER_SHIFT = 16  # pcsc-lite keeps a per-reader card event counter in the high word


def _message(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult).strip()} (0x{hresult & 0xFFFFFFFF:08X})"


class PcscError(DeviceError):
    """A PC/SC call failed; `hresult` is the SCARD_* code (mapped by `_raise_for`)."""

    def __init__(self, what: str, hresult: int) -> None:
        super().__init__(f"{what}: {_message(hresult)}")
        self.hresult = hresult


def _raise_for(what: str, hresult: int) -> None:
    """Map a PC/SC result to `devices.errors`."""
    if hresult == scard.SCARD_S_SUCCESS:
        return
    reason = f"{what}: {_message(hresult)}"
    if hresult in _SERVICE_GONE:
        raise DeviceUnavailable(reason)
    if hresult in _CARD_GONE:
        raise CardRemoved(reason)
    if hresult == scard.SCARD_E_TIMEOUT:
        raise DeviceTimeout(reason)
    if hresult == scard.SCARD_E_SHARING_VIOLATION:
        raise DeviceUnavailable(f"{reason} (another application holds the card)")
    if hresult in (scard.SCARD_W_UNRESPONSIVE_CARD, scard.SCARD_W_UNPOWERED_CARD):
        raise CardError(reason)
    raise PcscError(what, hresult)


def _establish() -> Any:
    try:
        hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except scard.error as err:  # pyscard raises instead of returning on some builds
        raise DeviceUnavailable(f"pcscd: {err}") from None
    _raise_for("pcscd", hresult)
    return ctx


def _release(ctx: Any) -> None:
    try:
        scard.SCardReleaseContext(ctx)
    except scard.error:
        pass


def _list_readers(ctx: Any, wanted: str) -> list[str]:
    """Readers whose name contains `wanted` (all when empty); [] when none is plugged."""
    hresult, readers = scard.SCardListReaders(ctx, [])
    if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise PcscError("list readers", hresult)
    return [r for r in readers if wanted in r]


def _bounded(call: Callable[[], Any], deadline: float, what: str) -> Any:
    """Run a blocking PC/SC call in a daemon thread; DeviceTimeout past `deadline`."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = err

    worker = threading.Thread(target=run, name=f"pcsc-{what}", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise DeviceTimeout(f"{what}: no answer within the time limit")
    if "error" in box:
        raise box["error"]
    return box["value"]


class _Monitor:
    """Supervised reader/card event loop (see the module docstring).

    It follows ONE reader, the first whose name contains `wanted` (the one the card
    operations use too), and reports its events under `name`. Readers present at start
    are taken as given (no READER_ADDED); a card already on the reader is reported as
    INSERTED. Losing pcscd reports REMOVED (if a card was on) and READER_REMOVED; its
    return reports READER_ADDED and INSERTED again.
    """

    def __init__(
        self, name: str, wanted: str, listener: CardListener, poll_s: float, backoff_max_s: float
    ) -> None:
        self._name = name
        self._wanted = wanted
        self._listener = listener
        self._poll_ms = max(1, int(poll_s * 1000))
        self._backoff_max_s = backoff_max_s
        self._stop = threading.Event()
        self._ctx: Any = None
        self._ctx_lock = threading.Lock()
        self._reader: str | None = None  # the PC/SC name of the followed reader
        self._state = scard.SCARD_STATE_UNAWARE  # its last event state (CHANGED cleared)
        self._present = False
        self._initial = True  # the first listing after start() announces no READER_ADDED
        self._pnp_state = scard.SCARD_STATE_UNAWARE
        self.restarts = 0  # how many times the context had to be re-established
        self._thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ctx_lock:
            if self._ctx is not None:
                try:
                    scard.SCardCancel(self._ctx)  # wakes SCardGetStatusChange at once
                except scard.error:
                    pass
        self._thread.join(timeout)

    def _emit(self, kind: CardEventKind, atr: bytes = b"") -> None:
        if not self._stop.is_set():
            deliver(self._listener, CardEvent(kind, self._name, atr))

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                if self._ctx is None:
                    ctx = _establish()
                    with self._ctx_lock:
                        self._ctx = ctx
                    log.info("pcsc monitor: connected to pcscd")
                readers = _list_readers(self._ctx, self._wanted)
                self._follow(readers[0] if readers else None)
                self._initial = False
                self._wait_for_change()
                backoff = 0.1
            except Exception as err:  # supervision: whatever happens, reconnect and go on
                if isinstance(err, (DeviceError, scard.error)):
                    self._lose_service(str(err))
                else:
                    log.exception("pcsc monitor: unexpected error, restarting the loop")
                    self._lose_service(type(err).__name__)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._backoff_max_s)
        with self._ctx_lock:
            ctx, self._ctx = self._ctx, None
        if ctx is not None:
            _release(ctx)

    def _lose_service(self, reason: str) -> None:
        with self._ctx_lock:
            ctx, self._ctx = self._ctx, None
        if ctx is None:
            return
        _release(ctx)
        self.restarts += 1
        log.warning("pcsc monitor: lost pcscd (%s); will reconnect", reason)
        self._follow(None)
        self._pnp_state = scard.SCARD_STATE_UNAWARE

    def _follow(self, reader: str | None) -> None:
        if reader == self._reader:
            return
        if self._reader is not None:
            if self._present:
                self._present = False
                self._emit(CardEventKind.REMOVED)
            self._emit(CardEventKind.READER_REMOVED)
        self._reader = reader
        self._state = scard.SCARD_STATE_UNAWARE
        if reader is not None and not self._initial:
            self._emit(CardEventKind.READER_ADDED)

    def _wait_for_change(self) -> None:
        watched = [(PNP_NOTIFICATION, self._pnp_state)]
        if self._reader is not None:
            watched.insert(0, (self._reader, self._state))
        hresult, changes = scard.SCardGetStatusChange(self._ctx, self._poll_ms, watched)
        if hresult in (
            scard.SCARD_E_TIMEOUT,
            scard.SCARD_E_CANCELLED,
            scard.SCARD_E_UNKNOWN_READER,  # the reader left while we waited: re-list
            scard.SCARD_E_READER_UNAVAILABLE,
        ):
            return
        if hresult != scard.SCARD_S_SUCCESS:
            raise PcscError("wait for card events", hresult)
        for name, event, atr in changes:
            if name == PNP_NOTIFICATION:
                self._pnp_state = event & ~scard.SCARD_STATE_CHANGED
            elif name == self._reader:
                self._on_reader_state(event, bytes(atr))

    def _on_reader_state(self, event: int, atr: bytes) -> None:
        before, self._state = self._state, event & ~scard.SCARD_STATE_CHANGED
        if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            return  # the reader is going away: the next listing reports it
        present = bool(event & scard.SCARD_STATE_PRESENT)
        # pcsc-lite counts card events in the high word: a card swapped between two
        # polls shows as present -> present with a new count, i.e. removed + inserted.
        swapped = (
            self._present and present and before != scard.SCARD_STATE_UNAWARE
            and (before >> _EVENT_COUNTER_SHIFT) != (event >> _EVENT_COUNTER_SHIFT)
        )
        if self._present and (not present or swapped):
            self._present = False
            self._emit(CardEventKind.REMOVED)
        if present and not self._present:
            self._present = True
            self._emit(CardEventKind.INSERTED, atr)


class PcscCardReader:
    """`devices.card.base.CardReader` over pcscd: eMRTD (BAC + DG1) and badge UIDs.

    `name` (what events carry) is the configured reader name, or "PC/SC reader" when the
    configuration takes the first reader pcscd lists.
    """

    capabilities = Capability.EMRTD | Capability.BADGE_UID

    def __init__(self, settings: PcscSettings, *, poll_s: float = 0.5, backoff_max_s: float = 2.0) -> None:
        self.name = settings.reader or "PC/SC reader"
        self._wanted = settings.reader
        self._timeout_s = settings.timeout_s
        self._poll_s = poll_s
        self._backoff_max_s = backoff_max_s
        self._monitor: _Monitor | None = None
        self._op_lock = threading.Lock()

    # --- events ----------------------------------------------------------------------

    def start(self, listener: CardListener) -> None:
        if self._monitor is not None:
            raise RuntimeError("reader already started")
        self._monitor = _Monitor(self.name, self._wanted, listener, self._poll_s, self._backoff_max_s)
        self._monitor.start()

    def stop(self) -> None:
        monitor, self._monitor = self._monitor, None
        if monitor is not None:
            monitor.stop()

    @property
    def monitor_restarts(self) -> int:
        """How often the event monitor re-established its pcscd context (diagnostics)."""
        return self._monitor.restarts if self._monitor else 0

    # --- operations --------------------------------------------------------------------

    def _reader(self, ctx: Any) -> str:
        readers = _list_readers(ctx, self._wanted)
        if not readers:
            raise DeviceUnavailable("no PC/SC reader matches the configured name")
        return readers[0]

    def card_present(self) -> bool:
        deadline = time.monotonic() + self._timeout_s
        ctx = _bounded(_establish, deadline, "pcscd")
        try:
            reader = self._reader(ctx)
            hresult, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
            _raise_for("reader status", hresult)
            return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
        finally:
            _release(ctx)

    def probe(self) -> str:
        deadline = time.monotonic() + self._timeout_s
        ctx = _bounded(_establish, deadline, "pcscd")
        try:
            reader = self._reader(ctx)
        finally:
            _release(ctx)
        card = "card present" if self.card_present() else "no card"
        return f"pcscd up, reader {reader!r}, {card}"

    @contextmanager
    def _session(self) -> Iterator[ApduChannel]:
        """Exclusive connection to the card for one operation, under one deadline."""
        deadline = time.monotonic() + self._timeout_s
        with self._op_lock:
            ctx = _bounded(_establish, deadline, "pcscd")
            handle = None
            clean = True
            try:
                reader = self._reader(ctx)

                def connect() -> tuple[int, Any, int]:
                    return scard.SCardConnect(
                        ctx, reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
                    )

                hresult, connected, protocol = _bounded(connect, deadline, "connect")
                if hresult in _CARD_GONE:
                    raise NoCard("no card on the reader")
                _raise_for("connect", hresult)
                handle = connected

                def transmit(command: bytes) -> bytes:
                    hresult, response = _bounded(
                        lambda: scard.SCardTransmit(handle, protocol, list(command)), deadline, "transmit"
                    )
                    if hresult != scard.SCARD_S_SUCCESS or len(response) < 2:
                        self._raise_transmit(ctx, reader, hresult, deadline)
                    return bytes(response)

                yield ApduChannel(transmit)
            except DeviceTimeout:
                clean = False
                raise
            finally:
                self._close(ctx, handle, clean)

    def _raise_transmit(self, ctx: Any, reader: str, hresult: int, deadline: float) -> None:
        """A failed transmit (an error, or no status word): CardRemoved when the card is
        gone, else the mapped error. vpcd answers a vanished card with an empty response
        before pcscd's presence poll notices, so wait briefly for the state to settle."""
        if hresult not in _SERVICE_GONE and self._card_left(ctx, reader, deadline):
            raise CardRemoved("the card left the reader during the read")
        _raise_for("transmit", hresult)
        raise ProtocolError("transmit: the reader returned no status word")

    @staticmethod
    def _card_left(ctx: Any, reader: str, deadline: float) -> bool:
        code, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if code != scard.SCARD_S_SUCCESS:
            return False
        state = states[0][1] & ~scard.SCARD_STATE_CHANGED
        if not state & scard.SCARD_STATE_PRESENT:
            return True
        wait_ms = int(max(0.0, min(1.0, deadline - time.monotonic())) * 1000)
        code, states = scard.SCardGetStatusChange(ctx, wait_ms, [(reader, state)])
        return code == scard.SCARD_S_SUCCESS and not states[0][1] & scard.SCARD_STATE_PRESENT

    @staticmethod
    def _close(ctx: Any, handle: Any, clean: bool) -> None:
        """Reset the card (ends any BAC session) and release the context.

        After a timeout the handle may be stuck inside pcscd: close in the background so
        the caller gets its DeviceTimeout now, not when the card wakes up.
        """

        def close() -> None:
            if handle is not None:
                try:
                    scard.SCardDisconnect(handle, scard.SCARD_RESET_CARD)
                except scard.error:
                    pass
            _release(ctx)

        if clean:
            close()
        else:
            threading.Thread(target=close, name="pcsc-close", daemon=True).start()

    def read_identity(self, mrz: MrzKey | None = None) -> Identity:
        """BAC with `mrz`, then EF.COM, DG1 and DG2; the verified MRZ as an Identity whose
        `photo` is DG2's portrait (JPEG or JPEG 2000; empty when the chip lists no DG2).

        Without `mrz` the chip cannot be opened: MrzRequired when the card is an eMRTD
        (after NoCard, so an empty reader is reported as such), CardRejected when it is not
        one at all (a badge), so the station asks for the MRZ only of a real document.
        """
        mrz_information = bac_key_input(mrz) if mrz is not None else None
        with self._session() as channel:
            if mrz_information is None:
                if not _selects_emrtd(channel):
                    raise CardRejected("this card is not an identity document")
                raise MrzRequired("this document needs its number, birth date and expiry (BAC)")
            data = read_emrtd(channel, mrz_information)
            return data.mrz.identity(photo=data.photo)

    def read_badge(self) -> BadgeRead:
        """The contactless UID via the PC/SC part 3 pseudo-APDU GET DATA (FF CA 00 00 00).

        Every contactless card has a UID, passports included: a card that selects the
        eMRTD application is an identity document, not a badge, and is rejected.
        """
        with self._session() as channel:
            if _selects_emrtd(channel):
                raise CardRejected("this is an identity document, not a technician badge")
            uid = raise_for_status(channel.send(CommandApdu(0xFF, 0xCA, 0x00, 0x00, le=256)), "GET UID")
        if not 4 <= len(uid) <= 10:
            raise ProtocolError("badge UID has an unexpected length")
        return BadgeRead(uid.hex().upper())


def _selects_emrtd(channel: ApduChannel) -> bool:
    """Whether the card answers SELECT of the eMRTD application: an ICAO travel document."""
    return channel.send(CommandApdu(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID)).ok
