"""A virtual network receipt printer on loopback (raw TCP, like port 9100).

It answers DLE EOT 1/2/4 with the bytes a printer in the scripted state gives
(`devices.printer.status.encode`), records every job it receives, and can misbehave the
ways real printers do:
- `set_state(PrinterState.OFFLINE)`: accepts the connection, reads, never answers (silence);
- `answer_override = b"\\x00"`: answers with bytes that are not status bytes;
- `stall_jobs_s = 0.7`: answers status, then stops reading for that long once job data
  arrives (cover opened mid-print; the sender's buffers fill up and its write must time
  out); `math.inf` = never reads again;
- `refuse()`: closes the listening socket (connection refused);
- `hang_up()`: accepts each connection and closes it at once (the peer closes the socket).

Real-time queries are recognised when a received chunk starts with DLE EOT: the station
sends each query alone and waits for its answer, so queries never share a chunk with job
data. A job is what a connection sent besides queries; a DLE DC4 8 "clear buffers"
anywhere in it discards it, as a printer does (real-time commands act on arrival).
"""

from __future__ import annotations

import socket
import threading

from devices.printer import status as rt
from devices.printer.base import PrinterState


class VirtualPrinter:
    def __init__(self, state: PrinterState = PrinterState.OK) -> None:
        self.state = state
        self.answer_override: bytes | None = None
        self.stall_jobs_s: float | None = None
        self.hangs_up = False
        self.jobs: list[bytes] = []
        self.queries: list[int] = []
        self.cleared = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._open_connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()[:2]
        self._threads: list[threading.Thread] = []

    def set_state(self, state: PrinterState) -> None:
        self.state = state

    def __enter__(self) -> VirtualPrinter:
        thread = threading.Thread(target=self._accept_loop, name="virtual-printer", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def wait_idle(self, timeout: float = 2.0) -> None:
        """Wait until every connection has been closed and its job filed."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._open_connections == 0, timeout):
                raise TimeoutError("virtual printer: a connection is still open")

    def refuse(self) -> None:
        """Stop listening: new connections are refused."""
        self._listener.close()

    def hang_up(self) -> None:
        """Close every new connection as soon as it is accepted."""
        self.hangs_up = True

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._open_connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _answer(self, n: int) -> bytes:
        if self.answer_override is not None:
            return self.answer_override
        if self.state is PrinterState.OFFLINE:
            return b""
        return bytes([dict(zip((1, 2, 4), rt.encode(self.state), strict=True)).get(n, 0x12)])

    def _serve(self, conn: socket.socket) -> None:
        job = bytearray()
        stalled = False
        conn.settimeout(0.05)
        with conn:
            while not self.hangs_up:
                if self.stall_jobs_s is not None and job and not stalled:
                    stalled = True  # cover open: nothing is read for a while
                    self._stop.wait(min(self.stall_jobs_s, 30))
                    continue
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    if self._stop.is_set():  # stop only once nothing is pending
                        break
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                if chunk.startswith(rt.DLE_EOT) and len(chunk) >= 3:
                    for index in range(0, len(chunk) - 2, 3):
                        n = chunk[index + 2]
                        with self._lock:
                            self.queries.append(n)
                        answer = self._answer(n)
                        if answer:
                            conn.sendall(answer)
                else:
                    job += chunk
                    if rt.CLEAR_BUFFERS in job[-len(chunk) - len(rt.CLEAR_BUFFERS) :]:
                        with self._lock:
                            self.cleared += 1
                        job.clear()
        with self._idle:
            if job:
                self.jobs.append(bytes(job))
            self._open_connections -= 1
            self._idle.notify_all()
