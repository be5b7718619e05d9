"""The USB transport passes a bound to every libusb call.

A mock, because no USB printer (and no USB bus) can run here: `usb.core.find` returns a
recording stand-in for a pyusb Device. Everything above it (python-escpos' Usb.open,
our transport, the error mapping) is the real code.
"""

from __future__ import annotations

import usb.core

from devices.printer import status as rt
from devices.printer.base import PrinterState
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings


class FakeUsbDevice:
    """Answers DLE EOT like a printer with its cover open; or times out like one that hangs."""

    backend = type("Backend", (), {"__module__": "usb.backend.libusb1"})()

    def __init__(self, hang: bool) -> None:
        self.hang = hang
        self.write_timeouts: list[int | None] = []
        self.read_timeouts: list[int | None] = []
        self._pending: list[int] = []

    def is_kernel_driver_active(self, interface):
        return False

    def set_configuration(self):
        pass

    def reset(self):
        pass

    def write(self, endpoint, data, timeout=None):
        self.write_timeouts.append(timeout)
        if self.hang:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        if bytes(data[:2]) == rt.DLE_EOT:
            self._pending.append(dict(zip((1, 2, 4), rt.encode(PrinterState.COVER_OPEN), strict=True))[data[2]])
        return len(data)

    def read(self, endpoint, size, timeout=None):
        self.read_timeouts.append(timeout)
        return bytes([self._pending.pop(0)])


def _printer(monkeypatch, device):
    monkeypatch.setattr(usb.core, "find", lambda **kwargs: device)
    monkeypatch.setattr("usb.util.dispose_resources", lambda device: None)
    return EscposPrinter(PrinterSettings(backend="usb", status_timeout_s=0.25, write_timeout_s=3))


def test_every_usb_read_and_write_carries_a_timeout(monkeypatch):
    device = FakeUsbDevice(hang=False)
    status = _printer(monkeypatch, device).status()
    assert status.state is PrinterState.COVER_OPEN
    assert device.write_timeouts == [250, 250, 250]
    assert device.read_timeouts == [250, 250, 250]


def test_a_usb_write_that_times_out_is_offline_not_a_hang(monkeypatch):
    """Bad input: libusb reports ETIMEDOUT on the bulk write (cover open, buffer full)."""
    device = FakeUsbDevice(hang=True)
    status = _printer(monkeypatch, device).status()
    assert status.state is PrinterState.OFFLINE
    assert "no answer within 0.25 s" in status.detail
    assert device.write_timeouts == [250]
