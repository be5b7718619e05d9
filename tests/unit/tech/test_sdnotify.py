"""sd_notify over a real unix datagram socket (what systemd listens on), path and abstract."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from kiosk.health.systemd import SdNotifier, WatchdogPinger


@pytest.fixture
def listener():
    """A datagram socket standing where systemd's notify socket would (short path: 108-byte limit)."""
    directory = tempfile.mkdtemp(prefix="sdn")
    path = Path(directory) / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield sock, str(path)
    sock.close()
    path.unlink()
    os.rmdir(directory)


def test_ready_status_watchdog_stopping(listener):
    sock, path = listener
    notifier = SdNotifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready("serving 12 services")
    assert sock.recv(4096) == b"READY=1\nSTATUS=serving 12 services"
    assert notifier.watchdog() and sock.recv(4096) == b"WATCHDOG=1"
    assert notifier.stopping() and sock.recv(4096) == b"STOPPING=1"


def test_abstract_namespace_socket():
    name = f"kiosk-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert SdNotifier({"NOTIFY_SOCKET": "@" + name}).status("hello")
        assert sock.recv(100) == b"STATUS=hello"


def test_outside_systemd_everything_is_a_quiet_no_op():
    """Bad input: no NOTIFY_SOCKET, a relative path, a socket that does not exist."""
    assert not SdNotifier({}).ready()
    assert not SdNotifier({"NOTIFY_SOCKET": "relative/sock"}).enabled
    missing = SdNotifier({"NOTIFY_SOCKET": "/nonexistent/notify"})
    assert missing.enabled and not missing.watchdog()


def test_watchdog_interval_and_pid_rules(listener):
    """Bad input: WATCHDOG_PID naming another process, garbage WATCHDOG_USEC."""
    _, path = listener
    mine = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"}
    assert SdNotifier(mine).watchdog_interval == 30
    assert SdNotifier({**mine, "WATCHDOG_PID": str(os.getpid())}).watchdog_interval == 30
    assert SdNotifier({**mine, "WATCHDOG_PID": "1"}).watchdog_interval is None
    assert SdNotifier({**mine, "WATCHDOG_PID": "1", "KIOSK_WATCHDOG_DESCENDANT": "1"}).watchdog_interval == 30
    assert SdNotifier({**mine, "WATCHDOG_USEC": "soon"}).watchdog_interval is None
    assert SdNotifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval is None


def test_pinger_pings_only_while_alive(listener):
    """Bad input: the process's loop stops making progress: pings must stop."""
    sock, path = listener
    alive = [True]
    pinger = WatchdogPinger(SdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}), lambda: alive[0])
    assert pinger.start()
    assert sock.recv(100) == b"WATCHDOG=1" and sock.recv(100) == b"WATCHDOG=1"
    alive[0] = False
    time.sleep(0.12)  # let a ping already in flight land
    sock.setblocking(False)
    while True:
        try:
            sock.recv(100)
        except BlockingIOError:
            break
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(100)
    pinger.stop()
    assert not WatchdogPinger(SdNotifier({}), lambda: True).start()
