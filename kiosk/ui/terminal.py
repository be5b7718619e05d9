"""Noticing that the station's terminal has gone away.

When the terminal hangs up (an SSH session dropped, a tmux session killed, a VT torn
down) no SIGHUP may reach the app, and Textual's input thread then reads end-of-file in
a loop at 100% CPU while the station serves nobody (Textualize/textual#6690, open).
`hung_up` asks the kernel instead: a hung-up terminal polls as POLLHUP/POLLERR at once,
without consuming input, so the app can check it every second and leave; systemd then
starts the station again on a fresh terminal, and a demo stops its hub and daemon.
"""

from __future__ import annotations

import os
import select
import threading

#: Exit status after the terminal hung up: EX_TEMPFAIL, "try again" (64 is a technician's exit).
TERMINAL_LOST_EXIT_CODE = 75
#: How long a clean exit may take before the process ends anyway (see `leave_anyway_after`).
TERMINAL_GRACE_S = 5.0

_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def hung_up(fd: int) -> bool:
    """True once the terminal on `fd` has hung up or the descriptor is no longer valid."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return any(events & _GONE for _, events in poller.poll(0))


def leave_anyway_after(seconds: float) -> None:
    """End the process with TERMINAL_LOST_EXIT_CODE if a clean exit has not happened by then.

    Textual's shutdown still writes to the terminal (mouse off, cursor back). Its writer
    thread dies at the first write that fails on a hung-up terminal, and the next writes
    then wait for ever on its full queue: seen here with SIGHUP ignored, when the poll is
    what noticed. Nothing is lost by ending: every submission is committed before its
    receipt prints, a session in progress is abandoned as an idle one would be, and the
    demo's hub and daemon get SIGTERM when this process dies (kiosk/demo.py)."""
    timer = threading.Timer(seconds, os._exit, (TERMINAL_LOST_EXIT_CODE,))
    timer.daemon = True
    timer.start()
