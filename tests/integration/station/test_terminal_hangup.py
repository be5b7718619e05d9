"""The station leaves when its terminal hangs up, instead of spinning on a dead terminal.

A real `run_kiosk.py run` (simulated devices) on a real pseudo-terminal: once the attract
screen is drawn, the terminal's master side is closed, as when an SSH session drops or a
tmux session is killed. Before, a station that got SIGHUP died on the spot (no device
stop, no session wipe, a demo's hub and daemon orphaned), and one that did not (under
tmux, or nohup) lived on at 100% CPU: Textual's input thread reads end-of-file in a loop.
Now it must exit with TERMINAL_LOST_EXIT_CODE within a few seconds and say why in its log.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from kiosk.ui.terminal import TERMINAL_LOST_EXIT_CODE, hung_up

ROOT = Path(__file__).resolve().parents[3]


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def _wait(pid: int, timeout: float) -> int | None:
    """The child's exit status, or None if it is still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def test_hung_up_tells_an_open_terminal_from_a_closed_one():
    master, slave = pty.openpty()
    try:
        assert not hung_up(slave)
        os.close(master)
        assert hung_up(slave)
    finally:
        os.close(slave)


@pytest.mark.parametrize(
    ("launch", "noticed_by"),
    [
        ("session leader", "hang-up signal"),  # the kernel sends it SIGHUP: handled, not fatal
        ("under nohup", "poll"),  # SIGHUP ignored (or never sent, as under tmux): the poll sees it
    ],
)
def test_the_station_exits_when_its_terminal_hangs_up(station_config, launch, noticed_by):
    config = station_config()
    pid, master = pty.fork()
    if pid == 0:  # the child: a station on the pty's slave side
        if launch == "under nohup":
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # an ignored signal stays ignored across exec
        os.execv(sys.executable, [sys.executable, str(ROOT / "run_kiosk.py"), "--config", str(config), "run"])
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    code = None
    try:
        screen = _read_until(master, b"English", timeout=60)
        assert b"English" in screen, f"the attract screen was never drawn: {screen[-2000:]!r}"
        os.close(master)
        code = _wait(pid, timeout=15)
        assert code == TERMINAL_LOST_EXIT_CODE, f"exit status {code} (None: still running after the hang-up)"
    finally:
        if code is None and _wait(pid, timeout=0) is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    log = (config.parent / "var" / "log" / "station.log").read_text(encoding="utf-8")
    assert f"the terminal hung up ({noticed_by})" in log
