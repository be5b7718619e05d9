"""Serial backend over a pty pair and file backend over a FIFO and a plain file: the real
kernel objects python-escpos' Serial and our bounded File talk to."""

from __future__ import annotations

import os
import time

import pytest

from devices.errors import PrinterOffline, PrinterTimeout
from devices.printer.base import PrinterState
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings
from tests.integration.printer.pty_printer import PtyPrinter

pytestmark = pytest.mark.realstack


def _serial(path: str, **overrides) -> EscposPrinter:
    return EscposPrinter(PrinterSettings(backend="serial", serial_device=path, status_timeout_s=0.3, **overrides))


def test_serial_status_and_print_over_a_pty():
    with PtyPrinter(PrinterState.PAPER_LOW) as pty:
        printer = _serial(pty.path)
        assert printer.status().state is PrinterState.PAPER_LOW
        printer.print_bytes(b"\x1b@serial\n")
        time.sleep(0.2)
    assert bytes(pty.received).endswith(b"\x1b@serial\n")


def test_silent_serial_printer_is_offline_within_the_bound():
    """Bad input: the serial line carries no answer (printer off, wrong baud rate)."""
    with PtyPrinter(PrinterState.OFFLINE) as pty:
        started = time.monotonic()
        assert _serial(pty.path).status().state is PrinterState.OFFLINE
        assert time.monotonic() - started < 1.0


def test_missing_serial_device_is_offline():
    """Bad input: the configured device path does not exist (cable unplugged)."""
    status = _serial("/dev/does-not-exist-ttyUSB9").status()
    assert status.state is PrinterState.OFFLINE


def test_file_backend_writes_the_job_to_a_plain_file(tmp_path):
    sink = tmp_path / "job.bin"
    sink.touch()
    printer = EscposPrinter(PrinterSettings(backend="file", file_path=sink))
    status = printer.status()
    assert status.state is PrinterState.OK and "no status channel" in status.detail
    printer.print_bytes(b"one")
    printer.print_bytes(b"two")
    assert sink.read_bytes() == b"onetwo"


def test_file_backend_write_is_bounded_when_the_device_stops_reading(tmp_path):
    """Bad input: a device file whose reader never reads (a FIFO standing in for usblp with the cover open)."""
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        printer = EscposPrinter(PrinterSettings(backend="file", file_path=fifo, write_timeout_s=0.3))
        started = time.monotonic()
        with pytest.raises(PrinterTimeout):
            printer.print_bytes(b"x" * (4 * 1024 * 1024))
        assert time.monotonic() - started < 1.5
    finally:
        os.close(reader)


def test_file_backend_without_a_reader_is_offline(tmp_path):
    """Bad input: the device node exists but nothing is behind it (FIFO without reader: ENXIO)."""
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    printer = EscposPrinter(PrinterSettings(backend="file", file_path=fifo))
    with pytest.raises(PrinterOffline):
        printer.print_bytes(b"x")
