import pytest
from pydantic import ValidationError

from devices.errors import CoverOpen, PaperOut, PrinterOffline
from devices.printer.base import PaperState, PrinterState, PrinterStatus, ReceiptPrinter
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.factory import build_printer
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter


def test_fail_next_fails_once_then_prints():
    """Bad input: a scripted PaperOut on the next job."""
    printer = SimulatedPrinter()
    printer.fail_next = PaperOut("printer: paper out")
    with pytest.raises(PaperOut):
        printer.print_bytes(b"first")
    printer.print_bytes(b"second")
    assert printer.printed == [b"second"]


def test_state_drives_status_and_refusals():
    printer = SimulatedPrinter()
    printer.set_state(PrinterState.COVER_OPEN)
    assert printer.status().state is PrinterState.COVER_OPEN
    with pytest.raises(CoverOpen):
        printer.print_bytes(b"x")
    printer.set_state(PrinterState.OFFLINE)
    with pytest.raises(PrinterOffline):
        printer.probe()
    assert printer.printed == []


def test_factory_builds_each_backend_without_opening_anything():
    assert isinstance(build_printer(PrinterSettings()), SimulatedPrinter)
    for backend in ("network", "usb", "serial", "file"):
        printer = build_printer(PrinterSettings(backend=backend))
        assert isinstance(printer, EscposPrinter) and isinstance(printer, ReceiptPrinter)
        assert printer.name.startswith(backend)


def test_settings_reject_unknown_keys_and_profiles():
    """Bad input: a misspelt key and a profile python-escpos does not know."""
    with pytest.raises(ValidationError):
        PrinterSettings(hostname="x")
    with pytest.raises(ValidationError, match="unknown python-escpos profile"):
        PrinterSettings(profile="NoSuchPrinter")


def test_settings_give_the_profile():
    profile = PrinterSettings(profile="TM-T88V", width_dots=576, columns=48, gb18030=True).printer_profile()
    assert (profile.name, profile.width_dots, profile.columns, profile.gb18030) == ("TM-T88V", 576, 48, True)


@pytest.mark.parametrize(
    ("policy", "state", "ready"),
    [
        ("warn", PrinterState.PAPER_LOW, True),
        ("block", PrinterState.PAPER_LOW, False),
        ("warn", PrinterState.OK, True),
        ("warn", PrinterState.PAPER_OUT, False),
        ("warn", PrinterState.OFFLINE, False),
    ],
)
def test_paper_low_policy(policy, state, ready):
    settings = PrinterSettings(paper_low_policy=policy)
    assert settings.ready_for_session(PrinterStatus(state, PaperState.OK)) is ready
