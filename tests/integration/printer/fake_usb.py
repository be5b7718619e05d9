"""A USB receipt printer as pyusb shows it: a fake, because no USB bus or printer can run here.

`install(monkeypatch, device)` makes `usb.core.find` return it; everything above it
(python-escpos' `Usb.open`, our transport's timeouts, the error mapping) is the real code.
It answers DLE EOT on its bulk IN endpoint like a printer in `state`, times out like libusb
when OFFLINE (the status query never answers) or when `hang` is set (the bulk OUT write stalls,
as with the cover open), fails with ENODEV after `hang_up()` (cable pulled), and records
each job written to the OUT endpoint (a DLE DC4 8 "clear buffers" discards the last one).
"""

from __future__ import annotations

import errno

import usb.core

from devices.printer import status as rt
from devices.printer.base import PrinterState


class FakeUsbPrinter:
    backend = type("Backend", (), {"__module__": "usb.backend.libusb1"})()

    def __init__(self, state: PrinterState = PrinterState.OK, hang: bool = False) -> None:
        self.state = state
        self.hang = hang
        self.unplugged = False
        self.jobs: list[bytes] = []
        self.write_timeouts: list[int | None] = []
        self.read_timeouts: list[int | None] = []
        self._pending: list[int] = []

    def set_state(self, state: PrinterState) -> None:
        self.state = state

    def hang_up(self) -> None:
        self.unplugged = True

    # --- what python-escpos and our transport call on a pyusb Device ---------------

    def is_kernel_driver_active(self, interface):
        return False

    def set_configuration(self):
        self._check_plugged()

    def reset(self):
        pass

    def write(self, endpoint, data, timeout=None):
        self.write_timeouts.append(timeout)
        self._check_plugged()
        if self.hang:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        data = bytes(data)
        if data[:2] == rt.DLE_EOT:
            if self.state is not PrinterState.OFFLINE:
                self._pending.append(dict(zip((1, 2, 4), rt.encode(self.state), strict=True))[data[2]])
        elif data == rt.CLEAR_BUFFERS:
            if self.jobs:
                self.jobs.pop()
        else:
            self.jobs.append(data)
        return len(data)

    def read(self, endpoint, size, timeout=None):
        self.read_timeouts.append(timeout)
        self._check_plugged()
        if not self._pending:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        return bytes([self._pending.pop(0)])

    def _check_plugged(self) -> None:
        if self.unplugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=errno.ENODEV)


def install(monkeypatch, device: FakeUsbPrinter) -> None:
    """Make pyusb find `device` (and release it as a no-op)."""
    monkeypatch.setattr(usb.core, "find", lambda **kwargs: device)
    monkeypatch.setattr("usb.util.dispose_resources", lambda device: None)
