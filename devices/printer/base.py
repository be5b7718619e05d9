"""What a receipt printer is, as the station sees it.

The station renders a receipt to ESC/POS bytes (python-escpos, in the receipt layout) and
hands the bytes to a `ReceiptPrinter`. Status comes from the real-time DLE EOT queries and
is checked before a session starts and before each print.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class PaperState(enum.StrEnum):
    OK = "ok"
    LOW = "low"
    OUT = "out"


class PrinterState(enum.StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.OK, PrinterState.PAPER_LOW)


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """A status reading: overall state plus paper detail."""

    state: PrinterState
    paper: PaperState = PaperState.OK
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """What the printer can do: paper width in dots and characters, Chinese mode."""

    name: str = "default"
    width_dots: int = 384  # 58 mm; 576 for 80 mm
    columns: int = 32  # font A characters per line (48 on 80 mm)
    gb18030: bool = True  # printer has a Chinese (GB18030) font and mode
    native_qr: bool = True  # printer draws QR codes itself (GS ( k); else QR as raster image


@runtime_checkable
class ReceiptPrinter(Protocol):
    """A printer backend. Every call is bounded by the backend's timeout."""

    name: str
    profile: PrinterProfile

    def status(self) -> PrinterStatus:
        """Query DLE EOT 1/2/4; OFFLINE when it does not answer in time."""

    def print_bytes(self, data: bytes) -> None:
        """Send one whole job. Raises PrinterError subclasses; never queues for later."""

    def probe(self) -> str:
        """Cheap health check: detail string, raises DeviceError when down."""
