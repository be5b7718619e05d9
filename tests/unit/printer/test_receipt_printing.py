from devices.errors import CoverOpen, PaperOut
from devices.printer.base import PaperState, PrinterProfile, PrinterState, PrinterStatus
from devices.printer.render import to_escpos
from devices.printer.simulated import SimulatedPrinter
from devices.printer.status import health
from kiosk.domain.receipt_printing import MAX_PRINTS, SessionReceipt


def test_prints_the_rendered_receipt(receipt):
    printer = SimulatedPrinter(PrinterProfile(gb18030=True))
    outcome = SessionReceipt(printer, receipt, to_escpos).print()
    assert outcome.printed and outcome.receipt_number == receipt.receipt_number
    assert len(printer.printed) == 1 and printer.printed[0].startswith(b"\x1b@\x1c&")


def test_failure_gives_the_number_and_reason_and_nothing_prints_later(receipt):
    """Bad input: paper runs out at the print; then paper is loaded (nothing may come out by itself)."""
    printer = SimulatedPrinter(PrinterProfile(gb18030=True))
    printer.set_state(PrinterState.PAPER_OUT)
    session = SessionReceipt(printer, receipt, to_escpos)
    outcome = session.print()
    assert (outcome.printed, outcome.reason, outcome.receipt_number) == (False, "paper_out", receipt.receipt_number)
    printer.set_state(PrinterState.OK)
    assert printer.printed == []
    assert session.print().printed  # the citizen's reprint, still in the session
    assert len(printer.printed) == 1


def test_scripted_failures_map_to_reasons(receipt):
    """Bad input: cover opened during the job (fail_next)."""
    printer = SimulatedPrinter(PrinterProfile(gb18030=True))
    session = SessionReceipt(printer, receipt, to_escpos)
    printer.fail_next = CoverOpen("printer: cover open")
    assert session.print().reason == "cover_open"
    printer.fail_next = PaperOut("printer: paper out")
    assert session.print().reason == "paper_out"
    printer.set_state(PrinterState.OFFLINE)
    assert session.print().reason == "offline"


def test_reprints_are_limited(receipt):
    """Bad input: the reprint button pressed again and again."""
    printer = SimulatedPrinter(PrinterProfile(gb18030=True))
    session = SessionReceipt(printer, receipt, to_escpos)
    outcomes = [session.print() for _ in range(MAX_PRINTS + 2)]
    assert [o.printed for o in outcomes] == [True] * MAX_PRINTS + [False, False]
    assert outcomes[-1].reason == "limit" and len(printer.printed) == MAX_PRINTS


def test_heartbeat_health():
    assert health(PrinterStatus(PrinterState.OK)) == ("ok", "ok")
    assert health(PrinterStatus(PrinterState.PAPER_LOW, PaperState.LOW)) == ("degraded", "low")
    assert health(PrinterStatus(PrinterState.PAPER_OUT, PaperState.OUT)) == ("down", "out")
    assert health(PrinterStatus(PrinterState.OFFLINE)) == ("down", "ok")
