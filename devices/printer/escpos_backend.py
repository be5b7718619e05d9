"""Real printers through python-escpos, with every read and write bounded in time.

python-escpos opens the connection and frames the bytes; this module adds what a station
that nobody watches needs and the library leaves open:

- a bound on every step. python-escpos' `Usb` writes with timeout 0 ("wait forever": a
  printer with its cover open stops reading its bulk endpoint and the write never returns)
  and reads with pyusb's default; its `Serial` has no write timeout; its `File` blocks in
  `write()` on /dev/usb/lp0. Each transport below sets its own bound on each call.
- one connection per operation (a status reading, or status + one job), so a printer that
  was switched off and on, or a stale answer from an earlier timed-out query, cannot
  confuse the next operation.
- status before every job on the same connection, and a real-time "clear buffers" after a
  job that failed half-way: a receipt that failed must never come out later.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from collections.abc import Iterator
from typing import Protocol

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from devices.errors import PrinterError, PrinterOffline, PrinterTimeout
from devices.printer import status as rt
from devices.printer.base import PaperState, PrinterProfile, PrinterState, PrinterStatus
from devices.printer.settings import PrinterSettings


class Transport(Protocol):
    """One open connection to a printer; each call bounded by `timeout` seconds."""

    def write(self, data: bytes, timeout: float) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Up to 16 bytes; b"" or a timeout exception when nothing came in time."""

    def close(self) -> None: ...


class _NetworkTransport:
    def __init__(self, settings: PrinterSettings) -> None:
        self._printer = Network(settings.host, settings.port, timeout=settings.connect_timeout_s)
        self._printer.open()

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.device.settimeout(timeout)
        self._printer._raw(data)

    def read(self, timeout: float) -> bytes:
        self._printer.device.settimeout(timeout)
        answer = self._printer._read()
        if not answer:
            raise ConnectionResetError("the printer closed the connection")
        return answer

    def close(self) -> None:
        self._printer.close()


class _SerialTransport:
    def __init__(self, settings: PrinterSettings) -> None:
        self._printer = Serial(
            settings.serial_device,
            baudrate=settings.serial_baudrate,
            timeout=settings.status_timeout_s,
            dsrdtr=not settings.serial_rtscts,
        )
        self._printer.open()
        port = self._printer.device
        port.rtscts = settings.serial_rtscts
        port.reset_input_buffer()  # a late answer to an earlier query must not be read as ours

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.device.write_timeout = timeout  # python-escpos leaves it None: unbounded
        self._printer._raw(data)
        self._printer.device.flush()

    def read(self, timeout: float) -> bytes:
        # python-escpos' Serial._read is read(16), which waits for 16 bytes or the whole
        # timeout; a status answer is one byte, so wait for one and take what is there.
        port = self._printer.device
        port.timeout = timeout
        first = port.read(1)
        return first + port.read(port.in_waiting) if first else b""

    def close(self) -> None:
        self._printer.close()


class _UsbTransport:
    def __init__(self, settings: PrinterSettings) -> None:
        self._printer = Usb(
            settings.usb_vendor_id,
            settings.usb_product_id,
            timeout=_ms(settings.write_timeout_s),  # python-escpos' default 0 = wait forever
            in_ep=settings.usb_in_ep,
            out_ep=settings.usb_out_ep,
        )
        self._printer.open()

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.device.write(self._printer.out_ep, data, _ms(timeout))

    def read(self, timeout: float) -> bytes:
        # python-escpos' Usb._read passes no timeout at all; pass ours.
        return bytes(self._printer.device.read(self._printer.in_ep, 16, _ms(timeout)))

    def close(self) -> None:
        self._printer.close()


class _BoundedFile(File):
    """python-escpos' File, opened non-blocking so each write and read can be bounded."""

    def open(self, raise_not_found: bool = True) -> None:
        flags = (os.O_RDWR if self.readable else os.O_WRONLY) | os.O_NONBLOCK | os.O_NOCTTY
        try:
            self._fd = os.open(self.devfile, flags | (os.O_APPEND if _regular(self.devfile) else 0))
        except OSError as exc:
            raise DeviceNotFoundError(f"cannot open {self.devfile}: {exc.strerror}") from None
        self.device = self._fd

    def bounded_write(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._fd], [], remaining)[1]:
                raise TimeoutError("the device stopped accepting data")
            try:
                view = view[os.write(self._fd, view) :]
            except BlockingIOError:
                continue

    def bounded_read(self, timeout: float) -> bytes:
        if not select.select([self._fd], [], [], timeout)[0]:
            raise TimeoutError("no answer")
        return os.read(self._fd, 16)

    def close(self) -> None:
        if self._device:
            os.close(self._fd)
            self._device = False


class _FileTransport:
    def __init__(self, settings: PrinterSettings) -> None:
        self._printer = _BoundedFile(str(settings.file_path))
        self._printer.readable = settings.file_status
        self._printer.open()

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.bounded_write(data, timeout)

    def read(self, timeout: float) -> bytes:
        return self._printer.bounded_read(timeout)

    def close(self) -> None:
        self._printer.close()


def _regular(path: str) -> bool:
    return os.path.isfile(path)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


_TRANSPORTS = {
    "network": _NetworkTransport,
    "serial": _SerialTransport,
    "usb": _UsbTransport,
    "file": _FileTransport,
}


def _library_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeouts, other failures) of socket, pyserial and pyusb (when installed)."""
    import serial

    timeouts: list[type[BaseException]] = [TimeoutError, socket.timeout, serial.SerialTimeoutException]
    failures: list[type[BaseException]] = [OSError, DeviceNotFoundError, serial.SerialException]
    with contextlib.suppress(ImportError):
        import usb.core

        timeouts.append(usb.core.USBTimeoutError)
        failures.append(usb.core.USBError)
    return tuple(timeouts), tuple(failures)


_TIMEOUTS, _OFFLINE = _library_errors()


class EscposPrinter:
    """A `ReceiptPrinter` over one of python-escpos' transports."""

    def __init__(self, settings: PrinterSettings) -> None:
        if settings.backend not in _TRANSPORTS:
            raise ValueError(f"not an ESC/POS transport: {settings.backend}")
        self.settings = settings
        self.profile: PrinterProfile = settings.printer_profile()
        self.name = {
            "network": f"network {settings.host}:{settings.port}",
            "serial": f"serial {settings.serial_device}",
            "usb": f"usb {settings.usb_vendor_id:04x}:{settings.usb_product_id:04x}",
            "file": f"file {settings.file_path}",
        }[settings.backend]
        self._has_status = settings.backend != "file" or settings.file_status

    @contextlib.contextmanager
    def _guard(self, step: str, timeout: float) -> Iterator[None]:
        """Map each library's exceptions onto the one hierarchy, with a data-free message."""
        try:
            yield
        except PrinterError:
            raise
        except _TIMEOUTS:
            raise PrinterTimeout(f"{self.name}: no answer within {timeout:g} s ({step})") from None
        except _OFFLINE as exc:
            text = getattr(exc, "strerror", None) or str(getattr(exc, "msg", None) or exc).strip()
            reason = text.splitlines()[-1] if text else type(exc).__name__
            raise PrinterOffline(f"{self.name}: {step} failed ({reason})") from None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Transport]:
        with self._guard("connect", self.settings.connect_timeout_s):
            link = _TRANSPORTS[self.settings.backend](self.settings)
        try:
            yield link
        finally:
            with contextlib.suppress(Exception):
                link.close()

    def _read_status(self, link: Transport) -> PrinterStatus:
        if not self._has_status:
            return PrinterStatus(PrinterState.OK, PaperState.OK, "no status channel on this file backend")
        timeout = self.settings.status_timeout_s
        answers = []
        for n in (rt.QUERY_PRINTER, rt.QUERY_OFFLINE_CAUSE, rt.QUERY_PAPER):
            with self._guard(f"DLE EOT {n}", timeout):
                link.write(rt.query(n), timeout)
                answer = link.read(timeout)
            if not answer:
                raise PrinterTimeout(f"{self.name}: no answer within {timeout:g} s (DLE EOT {n})")
            answers.append(answer[-1])
        return rt.decode(*answers)

    def status(self) -> PrinterStatus:
        try:
            with self._connection() as link:
                return self._read_status(link)
        except PrinterOffline as exc:
            return PrinterStatus(PrinterState.OFFLINE, PaperState.OK, str(exc))

    def print_bytes(self, data: bytes) -> None:
        with self._connection() as link:
            status = self._read_status(link)
            if not status.state.can_print:
                raise rt.error_for(status)
            try:
                with self._guard("sending the job", self.settings.write_timeout_s):
                    link.write(data, self.settings.write_timeout_s)
            except PrinterError:
                # Best effort: drop what the printer buffered of this job, so it does not
                # come out when someone closes the cover for the next citizen.
                with contextlib.suppress(Exception):
                    link.write(rt.CLEAR_BUFFERS, self.settings.status_timeout_s)
                raise

    def probe(self) -> str:
        status = self.status()
        if status.state is PrinterState.OFFLINE:
            raise PrinterOffline(status.detail)
        return f"{self.name}: {status.state.value} ({status.detail})"
