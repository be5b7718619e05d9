"""One contract for every receipt printer backend (python-can's back2back suite is the model).

Each transport the station configures contributes a *rig*: a context manager yielding a
`PrinterRig` whose `printer` is the backend under test and whose scripting functions act on
the other end of that transport's real stack:

- simulated: the SimulatedPrinter itself;
- network: python-escpos' Network against a virtual printer on a loopback TCP socket;
- serial: python-escpos' Serial (pyserial) against a printer on the master side of a pty;
- file: our bounded File on the slave side of a pty (as on a usblp device node that
  answers DLE EOT when read), the same pty printer on the master side;
- usb: python-escpos' Usb over a FAKE pyusb device (tests/integration/printer/fake_usb.py),
  because no USB bus or printer can run here; the rest of the path is the real code.

The same states must give the same status, the same refusals and the same recorded bytes;
the failure cases are paper out, cover open, an error, a peer that goes away (closes the
socket, hangs up the line, is unplugged) and a status query that never answers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from devices.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from devices.printer.base import PaperState, PrinterState, ReceiptPrinter
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.factory import BACKENDS as PRINTER_BACKENDS
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from tests.integration.printer.fake_usb import FakeUsbPrinter, install
from tests.integration.printer.pty_printer import PtyPrinter
from tests.support.virtual_printer import VirtualPrinter

JOB = b"\x1b@hello\n\x1dV\x00"
#: Bounds the contract runs with (short, so that silence is found quickly).
BOUNDS = dict(status_timeout_s=0.3, connect_timeout_s=0.5, write_timeout_s=2.0)


@dataclass
class PrinterRig:
    """A printer plus the means to put it in a state, to see what it printed, and to lose it."""

    printer: ReceiptPrinter
    set_state: Callable[[PrinterState], None]
    printed: Callable[[], list[bytes]]
    hang_up: Callable[[], None]  # the peer goes away: closes the socket, hangs up, is unplugged


@contextlib.contextmanager
def simulated_rig(monkeypatch) -> Iterator[PrinterRig]:
    sim = SimulatedPrinter()
    yield PrinterRig(sim, sim.set_state, lambda: sim.printed, lambda: sim.set_state(PrinterState.OFFLINE))


@contextlib.contextmanager
def network_rig(monkeypatch) -> Iterator[PrinterRig]:
    with VirtualPrinter() as virtual:
        printer = EscposPrinter(PrinterSettings(backend="network", host=virtual.host, port=virtual.port, **BOUNDS))

        def printed() -> list[bytes]:
            virtual.wait_idle()  # the virtual printer files a job when the connection closes
            return list(virtual.jobs)

        yield PrinterRig(printer, virtual.set_state, printed, virtual.hang_up)


@contextlib.contextmanager
def serial_rig(monkeypatch) -> Iterator[PrinterRig]:
    with PtyPrinter() as pty:
        printer = EscposPrinter(PrinterSettings(backend="serial", serial_device=pty.path, **BOUNDS))
        yield PrinterRig(printer, pty.set_state, pty.printed, pty.hang_up)


@contextlib.contextmanager
def file_rig(monkeypatch) -> Iterator[PrinterRig]:
    with PtyPrinter() as pty:
        printer = EscposPrinter(PrinterSettings(backend="file", file_path=pty.path, file_status=True, **BOUNDS))
        yield PrinterRig(printer, pty.set_state, pty.printed, pty.hang_up)


@contextlib.contextmanager
def usb_rig(monkeypatch) -> Iterator[PrinterRig]:
    device = FakeUsbPrinter()
    install(monkeypatch, device)
    printer = EscposPrinter(PrinterSettings(backend="usb", **BOUNDS))
    yield PrinterRig(printer, device.set_state, lambda: list(device.jobs), device.hang_up)


RIGS = {"simulated": simulated_rig, "network": network_rig, "serial": serial_rig, "file": file_rig, "usb": usb_rig}


@pytest.fixture(params=list(RIGS))
def rig(request, monkeypatch):
    with RIGS[request.param](monkeypatch) as built:
        yield built


def test_every_configurable_transport_has_a_rig():
    assert set(PRINTER_BACKENDS) == set(RIGS)  # the factory's table is what a config may name


def test_is_a_receipt_printer(rig):
    assert isinstance(rig.printer, ReceiptPrinter)
    assert rig.printer.profile.width_dots > 0


def test_ready_printer_reports_ok_and_prints_the_exact_bytes(rig):
    assert rig.printer.status().state is PrinterState.OK
    rig.printer.print_bytes(JOB)
    assert rig.printed() == [JOB]


def test_paper_low_still_prints_and_says_so(rig):
    """Bad input: paper near-end bits set in DLE EOT 4."""
    rig.set_state(PrinterState.PAPER_LOW)
    status = rig.printer.status()
    assert (status.state, status.paper) == (PrinterState.PAPER_LOW, PaperState.LOW)
    rig.printer.print_bytes(JOB)
    assert rig.printed() == [JOB]


@pytest.mark.parametrize(
    ("state", "error", "paper"),
    [
        (PrinterState.PAPER_OUT, PaperOut, PaperState.OUT),
        (PrinterState.COVER_OPEN, CoverOpen, PaperState.OK),
        (PrinterState.ERROR, PrinterError, PaperState.OK),
    ],
)
def test_printer_that_cannot_print_refuses_and_nothing_comes_out_later(rig, state, error, paper):
    """Bad input: paper out / cover open / error bits; the job must not be sent at all."""
    rig.set_state(state)
    status = rig.printer.status()
    assert (status.state, status.paper) == (state, paper)
    with pytest.raises(error):
        rig.printer.print_bytes(JOB)
    rig.set_state(PrinterState.OK)  # someone closes the cover / loads paper
    assert rig.printed() == []


def test_silent_printer_is_offline_within_two_seconds(rig):
    """Bad input: the printer accepts the connection but never answers DLE EOT (timeout)."""
    rig.set_state(PrinterState.OFFLINE)
    started = time.monotonic()
    assert rig.printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterOffline):
        rig.printer.print_bytes(JOB)
    with pytest.raises(PrinterOffline):
        rig.printer.probe()
    assert time.monotonic() - started < 2 * 3  # three calls, each under the 2 s target
    assert rig.printed() == []


def test_a_peer_that_goes_away_is_offline_at_once_and_prints_nothing(rig):
    """Bad input: the peer closes the socket / hangs up the line / is unplugged."""
    rig.hang_up()
    started = time.monotonic()
    status = rig.printer.status()
    assert status.state is PrinterState.OFFLINE
    with pytest.raises(PrinterOffline):
        rig.printer.print_bytes(JOB)
    assert time.monotonic() - started < 2
    assert rig.printed() == []


def test_probe_describes_a_ready_printer(rig):
    assert "ok" in rig.printer.probe()
