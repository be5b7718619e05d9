"""The USB transport passes a bound to every libusb call.

A fake, because no USB printer (and no USB bus) can run here: `usb.core.find` returns a
recording stand-in for a pyusb Device (tests/integration/printer/fake_usb.py). Everything
above it (python-escpos' Usb.open, our transport, the error mapping) is the real code.
"""

from __future__ import annotations

from devices.printer.base import PrinterState
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings
from tests.integration.printer.fake_usb import FakeUsbPrinter, install


def _printer(monkeypatch, device: FakeUsbPrinter) -> EscposPrinter:
    install(monkeypatch, device)
    return EscposPrinter(PrinterSettings(backend="usb", status_timeout_s=0.25, write_timeout_s=3))


def test_every_usb_read_and_write_carries_a_timeout(monkeypatch):
    device = FakeUsbPrinter(PrinterState.COVER_OPEN)
    status = _printer(monkeypatch, device).status()
    assert status.state is PrinterState.COVER_OPEN
    assert device.write_timeouts == [250, 250, 250]
    assert device.read_timeouts == [250, 250, 250]


def test_a_usb_write_that_times_out_is_offline_not_a_hang(monkeypatch):
    """Bad input: libusb reports ETIMEDOUT on the bulk write (cover open, buffer full)."""
    device = FakeUsbPrinter(hang=True)
    status = _printer(monkeypatch, device).status()
    assert status.state is PrinterState.OFFLINE
    assert "no answer within 0.25 s" in status.detail
    assert device.write_timeouts == [250]
