"""Build the configured receipt printer (called by the composition root)."""

from __future__ import annotations

from devices.printer.base import ReceiptPrinter
from devices.printer.settings import PrinterSettings


def build_printer(settings: PrinterSettings) -> ReceiptPrinter:
    """The backend `settings.backend` names. Builds only; nothing is opened until used."""
    if settings.backend == "simulated":
        from devices.printer.simulated import SimulatedPrinter

        return SimulatedPrinter(settings.printer_profile())
    from devices.printer.escpos_backend import EscposPrinter

    return EscposPrinter(settings)
