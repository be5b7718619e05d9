"""A printer on the master side of a pty pair: the real kernel object a serial printer's
(or a usblp device file's) driver is, from the station's side.

It answers DLE EOT with the bytes a printer in `state` gives (`devices.printer.status.encode`),
stays silent when OFFLINE, and records everything else it receives. The slave side is put
in raw mode, as a printer port is: pyserial does so itself, the file backend does not.
`hang_up()` closes the master, as when the printer is switched off or its cable pulled.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty

from devices.printer import status as rt
from devices.printer.base import PrinterState


class PtyPrinter:
    def __init__(self, state: PrinterState = PrinterState.OK) -> None:
        self.state = state
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.received = bytearray()
        self._last_byte = time.monotonic()
        self._master_open = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-printer", daemon=True)

    def set_state(self, state: PrinterState) -> None:
        self.state = state

    def __enter__(self) -> PtyPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hang_up()
        os.close(self._slave)

    def hang_up(self) -> None:
        """The printer goes away: stop answering and close the master side."""
        self._stop.set()
        self._thread.join(timeout=2)
        with self._lock:
            if self._master_open:
                os.close(self.master)
                self._master_open = False

    def printed(self, quiet_s: float = 0.15, timeout: float = 2.0) -> list[bytes]:
        """What arrived besides status queries, once the line has been quiet for `quiet_s`
        (a pty has no job boundaries: all of it as one job, or none)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and time.monotonic() - self._last_byte < quiet_s:
            time.sleep(0.02)
        with self._lock:
            return [bytes(self.received)] if self.received else []

    def _run(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                continue
            with self._lock:
                self._last_byte = time.monotonic()
                if not chunk.startswith(rt.DLE_EOT):
                    self.received += chunk
                    continue
            if self.state is not PrinterState.OFFLINE:
                answers = dict(zip((1, 2, 4), rt.encode(self.state), strict=True))
                os.write(self.master, bytes(answers[chunk[i + 2]] for i in range(0, len(chunk) - 2, 3)))
