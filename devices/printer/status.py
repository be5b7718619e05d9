"""Real-time status (DLE EOT n) as the ESC/POS command reference defines it.

Each answer is one byte whose bits 1 and 4 are always 1 and bits 0 and 7 always 0 (mask
0x93 == 0x12); anything else is not a status byte (a stale answer, ASB noise, a printer
that does not speak ESC/POS) and is reported as an error, never guessed at.

- n=1 printer status:  bit 3 = off-line.
- n=2 off-line cause:  bit 2 = cover open, bit 3 = paper fed by the FEED button,
                       bit 5 = printing stopped by paper end, bit 6 = error occurred.
- n=4 paper sensor:    bits 2+3 = paper near its end, bits 5+6 = paper end (no paper).
"""

from __future__ import annotations

from devices.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from devices.printer.base import PaperState, PrinterState, PrinterStatus

DLE_EOT = b"\x10\x04"
#: The three queries, in the order they are sent.
QUERY_PRINTER, QUERY_OFFLINE_CAUSE, QUERY_PAPER = 1, 2, 4
#: DLE DC4 fn=8: real-time "clear buffers" (receive and print). Sent after a failed job so
#: that a half-received receipt never comes out later in front of the next person.
CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"

_FIXED_MASK, _FIXED_VALUE = 0x93, 0x12
_OFFLINE = 0x08
_COVER_OPEN = 0x04
_FEED_BUTTON = 0x08
_STOPPED_PAPER_END = 0x20
_ERROR = 0x40
_NEAR_END = 0x0C
_PAPER_END = 0x60


def query(n: int) -> bytes:
    """The bytes of DLE EOT n."""
    return DLE_EOT + bytes([n])


def is_status_byte(value: int) -> bool:
    return value & _FIXED_MASK == _FIXED_VALUE


def decode(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """Turn the three answer bytes into one status, the most serious cause first.

    Order: cover open, paper out, error, reported off-line, paper low, ok. A cover that is
    open makes paper sensors unreliable on most mechanisms, so it wins over paper.
    """
    for name, value in (("printer", printer), ("offline cause", offline_cause), ("paper", paper)):
        if not is_status_byte(value):
            return PrinterStatus(PrinterState.ERROR, PaperState.OK, f"not a status byte ({name}: 0x{value:02x})")
    if paper & _PAPER_END or offline_cause & _STOPPED_PAPER_END:
        paper_state = PaperState.OUT
    elif paper & _NEAR_END:
        paper_state = PaperState.LOW
    else:
        paper_state = PaperState.OK
    if offline_cause & _COVER_OPEN:
        return PrinterStatus(PrinterState.COVER_OPEN, paper_state, "cover open")
    if paper_state is PaperState.OUT:
        return PrinterStatus(PrinterState.PAPER_OUT, paper_state, "paper out")
    if offline_cause & _ERROR:
        return PrinterStatus(PrinterState.ERROR, paper_state, "printer reports an error (cutter, head or voltage)")
    if printer & _OFFLINE and not offline_cause & _FEED_BUTTON:
        return PrinterStatus(PrinterState.ERROR, paper_state, "printer reports off-line")
    if paper_state is PaperState.LOW:
        return PrinterStatus(PrinterState.PAPER_LOW, paper_state, "paper near its end")
    return PrinterStatus(PrinterState.OK, paper_state, "ready")


def encode(state: PrinterState) -> tuple[int, int, int]:
    """The answer bytes a printer in `state` gives (for the virtual printer and tests)."""
    base = _FIXED_VALUE
    if state is PrinterState.OK:
        return base, base, base
    if state is PrinterState.PAPER_LOW:
        return base, base, base | _NEAR_END
    if state is PrinterState.PAPER_OUT:
        return base | _OFFLINE, base | _STOPPED_PAPER_END, base | _NEAR_END | _PAPER_END
    if state is PrinterState.COVER_OPEN:
        return base | _OFFLINE, base | _COVER_OPEN, base
    if state is PrinterState.ERROR:
        return base | _OFFLINE, base | _ERROR, base
    raise ValueError(f"an off-line printer gives no answer bytes ({state})")


def health(status: PrinterStatus) -> tuple[str, str]:
    """(device state, paper) as the heartbeat reports them: ok | degraded | down, ok | low | out."""
    if status.state is PrinterState.OK:
        device = "ok"
    elif status.state is PrinterState.PAPER_LOW:
        device = "degraded"
    else:
        device = "down"
    return device, status.paper.value


def error_for(status: PrinterStatus) -> PrinterError:
    """The exception that says why a printer in `status` cannot print."""
    if status.state is PrinterState.PAPER_OUT:
        return PaperOut("printer: paper out")
    if status.state is PrinterState.COVER_OPEN:
        return CoverOpen("printer: cover open")
    if status.state is PrinterState.OFFLINE:
        return PrinterOffline(f"printer: {status.detail or 'off-line'}")
    return PrinterError(f"printer: {status.detail or status.state.value}")
