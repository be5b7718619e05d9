"""The real PC/SC stack for tests and the benchmark: pcscd + vsmartcard's vpcd driver.

pcscd's socket path is fixed at /run/pcscd, so there is ONE pcscd per machine: this module
keeps one process-wide `PcscStack` (`get_stack()`), guarded by a file lock so that two
test sessions (say, this area's tests and the card contract suite run by someone else at
the same moment) take turns instead of killing each other's daemon. A pcscd running
outside that lock (a system service, someone's own) is never signalled: it is not ours.
`start()` raises `ForeignPcscd` and the tests skip with that reason (`stack_or_skip()`);
CI runs no pcscd of its own, so there it never skips. Files a dead pcscd left behind
(pid file, socket nobody listens on) are removed.

It fails loudly (RuntimeError), never skips, when pcscd, the vpcd driver or root are
missing: the project's setup script installs them.

Use from a test:
    stack = get_stack()                          # starts pcscd once per process
    with stack.inserted(VirtualEmrtd(key=...)) as link:
        reader = stack.reader()                  # a PcscCardReader on slot 0
        identity = reader.read_identity(key)
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from devices.card.base import BadgeRead, Identity
from devices.card.pcsc import PcscCardReader
from devices.card.settings import PcscSettings
from tests.integration.card_pcsc.virtual_emrtd import VirtualCard, VpcdLink, card_for

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
PCSCD_DIR = Path("/run/pcscd")
PCSCD_COMM = PCSCD_DIR / "pcscd.comm"
PCSCD_PID = PCSCD_DIR / "pcscd.pid"
LOCK_FILE = Path(tempfile.gettempdir()) / "kiosk-pcscd-test.lock"
#: Our own vpcd channel (not vpcd's default 35963) so a stray vicc cannot plug into it.
#: vpcd opens two slots: PORT ("... 00 00") and PORT + 1 ("... 00 01").
PORT = 35971
READER_PREFIX = "Kiosk Test VPCD"
LOCK_WAIT_S = 300


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); it holds no socket, treat it as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


class ForeignPcscd(RuntimeError):
    """A pcscd this module did not start holds /run/pcscd: the tests cannot have their own."""


def _socket_answers(path: Path) -> bool:
    """Whether a process listens on the unix socket `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(str(path)) == 0


class PcscStack:
    """One pcscd with a vpcd reader (two slots) configured from a private reader.conf.d."""

    def __init__(self, port: int = PORT) -> None:
        self.port = port
        # pcscd reads EVERY file in --config as reader.conf: the directory holds only ours.
        self.work_dir = Path(tempfile.mkdtemp(prefix="kiosk-pcscd-"))
        self.conf_dir = self.work_dir / "reader.conf.d"
        self.conf_dir.mkdir()
        (self.conf_dir / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_PREFIX}"\n'
            f"DEVICENAME   /dev/null:{port}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    {port}\n"
        )
        self.log_path = self.work_dir / "pcscd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock_fd: int | None = None

    # --- lifecycle -----------------------------------------------------------------

    @staticmethod
    def check_requirements() -> None:
        missing = []
        if shutil.which("pcscd") is None:
            missing.append("pcscd (Debian package pcscd)")
        if not VPCD_DRIVER.exists():
            missing.append(f"{VPCD_DRIVER} (Debian package vsmartcard-vpcd)")
        if os.geteuid() != 0:
            missing.append("root (pcscd must own /run/pcscd)")
        if missing:
            raise RuntimeError("the PC/SC test stack needs: " + "; ".join(missing))

    def start(self) -> None:
        self.check_requirements()
        if self._lock_fd is None:
            self._lock_fd = os.open(LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o666)
            deadline = time.monotonic() + LOCK_WAIT_S
            while True:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("another test session kept pcscd for too long") from None
                    time.sleep(0.5)
        self._refuse_foreign_pcscd()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                ["pcscd", "--foreground", "--config", str(self.conf_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not (PCSCD_COMM.exists() and _port_open(self.port)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pcscd did not come up; see {self.log_path}")
            time.sleep(0.05)

    def stop_pcscd(self) -> None:
        """Stop our pcscd (SIGTERM, then SIGKILL) and wait until its socket is gone."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        deadline = time.monotonic() + 5
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart_pcscd(self) -> None:
        """What an admin's `systemctl restart pcscd` does to a running station."""
        self.stop_pcscd()
        self.start()

    def close_lock(self) -> None:
        """Let another test session have pcscd."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        self.stop_pcscd()
        self.close_lock()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _refuse_foreign_pcscd(self) -> None:
        """Raise ForeignPcscd when a pcscd we did not start is alive; clear a dead one's files.

        Only ever looks: a pcscd started elsewhere is someone else's to stop."""
        try:
            pid = int(PCSCD_PID.read_text().strip())
        except (OSError, ValueError):
            pid = 0
        alive = pid and _pid_alive(pid)
        if alive or (PCSCD_COMM.exists() and _socket_answers(PCSCD_COMM)):
            self.close_lock()
            held = f"pid {pid}" if alive else str(PCSCD_COMM)
            raise ForeignPcscd(f"a pcscd this test session did not start holds /run/pcscd ({held}); stop it to run these tests")
        for stale in (PCSCD_COMM, PCSCD_PID):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()

    # --- cards and readers -----------------------------------------------------------

    def reader_name(self, slot: int = 0) -> str:
        return f"{READER_PREFIX} 00 {slot:02d}"

    def reader(self, slot: int = 0, timeout_s: float = 3.0, **kwargs: float) -> PcscCardReader:
        """A real PcscCardReader bound to one vpcd slot."""
        return PcscCardReader(PcscSettings(reader=self.reader_name(slot), timeout_s=timeout_s), **kwargs)

    def link(self, card: VirtualCard, slot: int = 0) -> VpcdLink:
        return VpcdLink(self.port + slot, card)

    @contextlib.contextmanager
    def inserted(self, card: VirtualCard, slot: int = 0) -> Iterator[VpcdLink]:
        """The card on the reader for the block, and pcscd has seen it."""
        holder = Slot(self, slot)
        try:
            yield holder.insert(card)
        finally:
            holder.remove()

    def wait_present(self, slot: int, present: bool, timeout: float = 5.0) -> None:
        """Block until pcscd reports the slot's card presence as `present`."""
        reader = self.reader(slot)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if reader.card_present() == present:
                    return
            except Exception:  # pcscd restarting: keep polling until the deadline
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"slot {slot}: card presence did not become {present}")
            time.sleep(0.05)


class Slot:
    """One vpcd slot holding at most one virtual card, scripted like a hand at the reader.

    What the card contract suite drives: `insert(identity_or_badge)` returns once pcscd
    sees the card, `remove()` once it sees it gone, `pull_during_next_read()` makes the
    card leave after the next read's third APDU (GET CHALLENGE done, mid-BAC).
    """

    def __init__(self, stack: PcscStack, slot: int = 0) -> None:
        self.stack = stack
        self.slot = slot
        self.link: VpcdLink | None = None

    def insert(self, item: Identity | BadgeRead | VirtualCard) -> VpcdLink:
        self.remove()
        card = item if isinstance(item, VirtualCard) else card_for(item)
        self.link = self.stack.link(card, self.slot)
        self.link.insert()
        self.stack.wait_present(self.slot, True)
        return self.link

    def remove(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.remove()
            self.stack.wait_present(self.slot, False)

    def pull_during_next_read(self) -> None:
        if self.link is None:
            raise RuntimeError("no card to pull")
        self.link.remove_after_apdus = self.link.apdus + 3


_STACK: PcscStack | None = None


def get_stack() -> PcscStack:
    """The process-wide stack, started on first use and stopped at exit."""
    global _STACK
    if _STACK is None:
        stack = PcscStack()
        stack.start()
        atexit.register(stack.close)
        _STACK = stack
    elif _STACK.proc is None or _STACK.proc.poll() is not None:
        _STACK.start()  # a test stopped pcscd and did not bring it back
    return _STACK


def stack_or_skip() -> PcscStack:
    """`get_stack()` for tests: skipped, with the reason, when a foreign pcscd is running on a
    developer's machine. In CI (`CI=true`) nothing may be skipped: there it fails instead."""
    import pytest

    try:
        return get_stack()
    except ForeignPcscd as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{exc} (CI must run the PC/SC tests)")
        pytest.skip(str(exc))
