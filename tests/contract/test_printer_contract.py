"""One contract for every receipt printer backend (python-can's back2back suite is the model).

Run against the simulated printer and against the real python-escpos network backend
talking to a virtual printer on loopback: the same states must give the same status, the
same refusals and the same recorded bytes.
"""

from __future__ import annotations

import time

import pytest

from devices.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from devices.printer.base import PaperState, PrinterState, ReceiptPrinter
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from tests.support.virtual_printer import VirtualPrinter

JOB = b"\x1b@hello\n\x1dV\x00"


class _Rig:
    """A printer plus the means to put it in a state and to see what it printed."""

    def __init__(self, printer: ReceiptPrinter, set_state, printed) -> None:
        self.printer, self.set_state, self.printed = printer, set_state, printed


@pytest.fixture(params=["simulated", "network"])
def rig(request):
    if request.param == "simulated":
        sim = SimulatedPrinter()
        yield _Rig(sim, sim.set_state, lambda: sim.printed)
        return
    with VirtualPrinter() as virtual:
        settings = PrinterSettings(
            backend="network", host=virtual.host, port=virtual.port, status_timeout_s=0.3, connect_timeout_s=0.5
        )
        printer = EscposPrinter(settings)

        def printed() -> list[bytes]:
            virtual.wait_idle()  # the virtual printer files a job when the connection closes
            return list(virtual.jobs)

        yield _Rig(printer, virtual.set_state, printed)


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
    """Bad input: the printer accepts the connection but never answers DLE EOT."""
    rig.set_state(PrinterState.OFFLINE)
    started = time.monotonic()
    assert rig.printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterOffline):
        rig.printer.print_bytes(JOB)
    with pytest.raises(PrinterOffline):
        rig.printer.probe()
    assert time.monotonic() - started < 2 * 3  # three calls, each under the 2 s target
    assert rig.printed() == []


def test_probe_describes_a_ready_printer(rig):
    assert "ok" in rig.printer.probe()
