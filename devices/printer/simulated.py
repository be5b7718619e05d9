"""A scriptable, recording printer for the demo, the UI tests and the contract suite.

Like python-escpos' `Dummy` it keeps what it was sent (`printed`, one bytes object per
job); unlike it, it can be put in any state (`set_state(PrinterState.PAPER_OUT)`) and told
to fail the next job (`fail_next = PaperOut()`), so every path of the station can be
driven without hardware. Its status goes through the same DLE EOT decoding as a real
printer's answer bytes.
"""

from __future__ import annotations

import threading

from devices.errors import PrinterError, PrinterOffline
from devices.printer import status as rt
from devices.printer.base import PaperState, PrinterProfile, PrinterState, PrinterStatus


class SimulatedPrinter:
    def __init__(self, profile: PrinterProfile | None = None, state: PrinterState = PrinterState.OK) -> None:
        self.name = "simulated"
        self.profile = profile or PrinterProfile()
        self.printed: list[bytes] = []
        #: Raised (once) by the next `print_bytes` instead of printing.
        self.fail_next: PrinterError | None = None
        self._state = state
        self._lock = threading.Lock()

    def set_state(self, state: PrinterState) -> None:
        with self._lock:
            self._state = state

    def status(self) -> PrinterStatus:
        with self._lock:
            state = self._state
        if state is PrinterState.OFFLINE:
            return PrinterStatus(PrinterState.OFFLINE, PaperState.OK, "simulated: no answer")
        return rt.decode(*rt.encode(state))

    def print_bytes(self, data: bytes) -> None:
        with self._lock:
            failure, self.fail_next = self.fail_next, None
        if failure is not None:
            raise failure
        current = self.status()
        if not current.state.can_print:
            raise rt.error_for(current)
        with self._lock:
            self.printed.append(bytes(data))

    def probe(self) -> str:
        current = self.status()
        if current.state is PrinterState.OFFLINE:
            raise PrinterOffline(current.detail)
        return f"simulated: {current.state.value} ({current.detail})"
