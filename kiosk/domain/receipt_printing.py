"""Printing one citizen's receipt: at most on demand, within the session, never later.

The rule from the issue: a failed print is shown on screen with the receipt number large;
the citizen may ask for a reprint while the session lasts; nothing is ever queued for
printing later (it would come out in front of the next person). So the job is rendered
once, sent only when asked, and this object dies with the session.

The renderer is handed in (`devices.printer.render.to_escpos` at the station): the domain
lays the receipt out as blocks but never imports the printer's byte-level code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from devices.errors import CoverOpen, DeviceError, PaperOut, PrinterOffline
from devices.printer.base import PrinterProfile, ReceiptPrinter
from devices.printer.blocks import Block
from kiosk.domain.receipt import Receipt
from kiosk.domain.receipt_layout import receipt_blocks

#: Blocks and the printer's profile -> the job's bytes.
Renderer = Callable[[Sequence[Block], PrinterProfile], bytes]

#: Prints of one receipt per session (the first plus reprints), so a stuck button or a
#: playful child cannot empty the roll.
MAX_PRINTS = 3


@dataclasses.dataclass(frozen=True, slots=True)
class PrintOutcome:
    printed: bool
    #: Always there: the screen shows it large when `printed` is False.
    receipt_number: str
    #: "paper_out" | "cover_open" | "offline" | "error" | "limit" when not printed.
    reason: str | None = None
    detail: str = ""


class SessionReceipt:
    """The receipt of the current session and its print attempts."""

    def __init__(self, printer: ReceiptPrinter, receipt: Receipt, render: Renderer) -> None:
        self._printer = printer
        self.receipt = receipt
        self._job = render(receipt_blocks(receipt), printer.profile)
        self.prints = 0

    def print(self) -> PrintOutcome:
        """Send the job now (first print or reprint); blocking, bounded by the printer's timeouts."""
        number = self.receipt.receipt_number
        if self.prints >= MAX_PRINTS:
            return PrintOutcome(False, number, "limit", f"printed {self.prints} times already")
        try:
            self._printer.print_bytes(self._job)
        except PaperOut as exc:
            return PrintOutcome(False, number, "paper_out", str(exc))
        except CoverOpen as exc:
            return PrintOutcome(False, number, "cover_open", str(exc))
        except PrinterOffline as exc:
            return PrintOutcome(False, number, "offline", str(exc))
        except DeviceError as exc:
            return PrintOutcome(False, number, "error", str(exc))
        self.prints += 1
        return PrintOutcome(True, number)
