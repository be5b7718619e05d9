"""Build the configured receipt printer (called by the composition root).

`BACKENDS` is the table of printer backends: name -> builder, each importing its backend
when called (python-escpos is only loaded for a real printer); the settings validator
accepts exactly these names. Every real transport is the one ESC/POS backend, which opens
the connection `settings.backend` names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.printer.base import ReceiptPrinter

if TYPE_CHECKING:
    from devices.printer.settings import PrinterSettings


def _simulated(settings: PrinterSettings) -> ReceiptPrinter:
    from devices.printer.simulated import SimulatedPrinter

    return SimulatedPrinter(settings.printer_profile())


def _escpos(settings: PrinterSettings) -> ReceiptPrinter:
    from devices.printer.escpos_backend import EscposPrinter

    return EscposPrinter(settings)


BACKENDS: dict[str, Callable[[PrinterSettings], ReceiptPrinter]] = {
    "simulated": _simulated,
    "network": _escpos,  # raw TCP, port 9100
    "usb": _escpos,
    "serial": _escpos,
    "file": _escpos,  # a device node such as /dev/usb/lp0
}


def build_printer(settings: PrinterSettings) -> ReceiptPrinter:
    """The backend `settings.backend` names. Builds only; nothing is opened until used."""
    return BACKENDS[settings.backend](settings)
