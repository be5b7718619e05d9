"""The python-escpos network backend against the virtual printer on loopback: the time
bounds and the fault paths that only a real socket shows."""

from __future__ import annotations

import math
import socket
import time

import pytest

from devices.errors import PrinterOffline, PrinterTimeout
from devices.printer.base import PrinterState
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings
from devices.printer.status import CLEAR_BUFFERS
from tests.support.virtual_printer import VirtualPrinter

pytestmark = pytest.mark.realstack


def _printer(virtual: VirtualPrinter, **overrides) -> EscposPrinter:
    settings = dict(backend="network", host=virtual.host, port=virtual.port, status_timeout_s=0.5, connect_timeout_s=1.0)
    settings.update(overrides)
    return EscposPrinter(PrinterSettings(**settings))


def test_status_asks_dle_eot_1_2_4_on_one_connection():
    with VirtualPrinter() as virtual:
        started = time.monotonic()
        assert _printer(virtual).status().state is PrinterState.OK
        assert time.monotonic() - started < 1.0
        assert virtual.queries == [1, 2, 4]


def test_silent_printer_is_offline_within_the_status_bound():
    """Bad input: connection accepted, DLE EOT never answered."""
    with VirtualPrinter(PrinterState.OFFLINE) as virtual:
        started = time.monotonic()
        status = _printer(virtual).status()
        elapsed = time.monotonic() - started
    assert status.state is PrinterState.OFFLINE
    assert "no answer within 0.5 s" in status.detail
    assert 0.45 < elapsed < 2.0


def test_refused_connection_is_offline_at_once():
    """Bad input: nothing listens on the port (printer off)."""
    with VirtualPrinter() as virtual:
        virtual.refuse()
        started = time.monotonic()
        status = _printer(virtual).status()
    assert status.state is PrinterState.OFFLINE
    assert time.monotonic() - started < 0.5


def test_unroutable_connect_is_bounded_by_the_connect_timeout():
    """Bad input: a listener whose accept queue is full, so connect() hangs in SYN_SENT."""
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        host, port = full.getsockname()
        fillers = []
        for _ in range(8):  # fill the backlog; later connects get no SYN-ACK
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex((host, port))
            fillers.append(filler)
        time.sleep(0.05)
        settings = PrinterSettings(backend="network", host=host, port=port, connect_timeout_s=0.5, status_timeout_s=0.5)
        started = time.monotonic()
        status = EscposPrinter(settings).status()
        elapsed = time.monotonic() - started
        for filler in fillers:
            filler.close()
    assert status.state is PrinterState.OFFLINE
    assert elapsed < 2.0


def test_garbage_answer_is_an_error_not_ok():
    """Bad input: the device answers 0x00 (not a status byte: fixed bits wrong)."""
    with VirtualPrinter() as virtual:
        virtual.answer_override = b"\x00"
        status = _printer(virtual).status()
    assert status.state is PrinterState.ERROR
    assert "0x00" in status.detail


def test_printer_that_stops_reading_for_good_times_out_within_the_write_bound():
    """Bad input: cover opened mid-print: status was ok, then the printer never reads again."""
    with VirtualPrinter() as virtual:
        virtual.stall_jobs_s = math.inf
        printer = _printer(virtual, write_timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(PrinterTimeout) as caught:
            printer.print_bytes(b"\x1b@" + b"x" * (64 * 1024 * 1024))
        elapsed = time.monotonic() - started
    assert isinstance(caught.value, PrinterOffline)
    assert "sending the job" in str(caught.value)
    assert elapsed < 0.5 + 1.0 + 1.0  # connect + write bound + the clear-buffers attempt


def test_a_job_that_timed_out_is_cleared_and_never_printed_later():
    """Bad input: the printer stalls longer than the write bound, then reads on."""
    assert CLEAR_BUFFERS == bytes([0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8])
    with VirtualPrinter() as virtual:
        virtual.stall_jobs_s = 0.7
        printer = _printer(virtual, write_timeout_s=0.4, status_timeout_s=1.5)
        with pytest.raises(PrinterTimeout):
            printer.print_bytes(b"\x1b@" + b"x" * (64 * 1024 * 1024))
        virtual.wait_idle()
    assert virtual.cleared == 1
    assert virtual.jobs == []


def test_printer_recovers_after_being_switched_off_and_on():
    with VirtualPrinter(PrinterState.OFFLINE) as virtual:
        printer = _printer(virtual, status_timeout_s=0.2)
        assert printer.status().state is PrinterState.OFFLINE
        virtual.set_state(PrinterState.OK)
        assert printer.status().state is PrinterState.OK
