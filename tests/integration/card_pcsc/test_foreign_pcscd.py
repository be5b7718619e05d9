"""The test stack never signals a pcscd it did not start: it refuses to run beside one.

Runs without pcscd: the stack's /run/pcscd paths point into a temporary directory, and a
plain `sleep` process (and a unix socket listener) stand in for someone else's pcscd.
"""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.integration.card_pcsc import stack as stack_module
from tests.integration.card_pcsc.stack import ForeignPcscd, PcscStack


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(stack_module, "PCSCD_PID", tmp_path / "pcscd.pid")
    monkeypatch.setattr(stack_module, "PCSCD_COMM", tmp_path / "pcscd.comm")
    return tmp_path


@pytest.fixture
def test_stack():
    built = PcscStack()
    yield built
    built.close()


def test_a_live_foreign_pcscd_is_left_alone_and_refused(run_dir, test_stack):
    other = subprocess.Popen(["sleep", "30"])
    try:
        (run_dir / "pcscd.pid").write_text(f"{other.pid}\n")
        with pytest.raises(ForeignPcscd, match=f"pid {other.pid}"):
            test_stack._refuse_foreign_pcscd()
        assert other.poll() is None  # not signalled
        assert (run_dir / "pcscd.pid").exists()
    finally:
        other.kill()
        other.wait(5)


def test_a_foreign_socket_without_pid_file_is_refused(run_dir, test_stack):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(run_dir / "pcscd.comm"))
        listener.listen(1)
        with pytest.raises(ForeignPcscd, match="pcscd.comm"):
            test_stack._refuse_foreign_pcscd()


def test_a_dead_pcscds_files_are_cleared(run_dir, test_stack):
    finished = subprocess.Popen(["true"])
    finished.wait(5)
    (run_dir / "pcscd.pid").write_text(f"{finished.pid}\n")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone:
        gone.bind(str(run_dir / "pcscd.comm"))  # bound, never listening: nobody answers
    test_stack._refuse_foreign_pcscd()
    assert not (run_dir / "pcscd.pid").exists() and not (run_dir / "pcscd.comm").exists()
