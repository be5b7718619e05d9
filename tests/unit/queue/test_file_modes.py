"""Station files are private: queue and audit databases (and their -wal/-shm) 0600, their
directories 0700, hand-carry exports 0600/0700; set at creation whatever the umask, and
tightened at open for files an older build left wider. Real files, real modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from offline_queue import handcarry
from offline_queue.api import NewAttachment, NewSubmission
from offline_queue.audit import AuditTrail
from offline_queue.outbox import Outbox
from offline_queue.sealing import Sealer, generate_keypair


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def wide_umask():
    """Bad input: the umask of a service started without one (022 or even 000)."""
    old = os.umask(0o000)
    yield
    os.umask(old)


def _submission() -> NewSubmission:
    return NewSubmission("GZ-HJ-001", 1, "440105-000001", {"n": 1}, (NewAttachment("id-front", b"x" * 500),))


def test_queue_database_and_its_wal_are_created_private(tmp_path, wide_umask):
    data = tmp_path / "var"
    with Outbox.open(data / "queue.sqlite3", Sealer(generate_keypair()[1], "k"), min_free_bytes=0) as box:
        box.enqueue(_submission())
        files = [data / "queue.sqlite3", data / "queue.sqlite3-wal", data / "queue.sqlite3-shm"]
        assert all(p.exists() for p in files)
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(data) == 0o700


def test_an_existing_wide_queue_database_is_tightened_at_open(tmp_path):
    """Bad input: a database, its WAL and its folder left 0644/0755 by an older build."""
    data = tmp_path / "var"
    key = generate_keypair()[1]
    with Outbox.open(data / "queue.sqlite3", Sealer(key, "k"), min_free_bytes=0) as box:
        box.enqueue(_submission())
        os.chmod(data / "queue.sqlite3-wal", 0o644)
    os.chmod(data, 0o755)
    os.chmod(data / "queue.sqlite3", 0o644)
    with Outbox.open(data / "queue.sqlite3", Sealer(key, "k"), min_free_bytes=0):
        assert mode(data / "queue.sqlite3") == 0o600
        assert mode(data) == 0o700


def test_audit_database_is_created_private(tmp_path, wide_umask):
    trail = AuditTrail(tmp_path / "audit" / "audit.sqlite3")
    try:
        trail.append("admin", "login", {"ok": True})
        files = [p for p in (tmp_path / "audit").iterdir() if not p.name.startswith(".")]
        assert {p.name for p in files} >= {"audit.sqlite3", "audit.sqlite3-wal", "audit.sqlite3-shm", "audit.sqlite3.head"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(tmp_path / "audit") == 0o700
    finally:
        trail.close()


def test_hand_carry_export_is_private(tmp_path, wide_umask):
    with Outbox.open(tmp_path / "q.sqlite3", Sealer(generate_keypair()[1], "k"), min_free_bytes=0) as box:
        box.enqueue(_submission())
        usb = tmp_path / "usb"
        usb.mkdir()
        done = handcarry.export(box, usb, "GZ-HZ-0001")
    paths = [done.path, *done.path.rglob("*")]
    assert len(paths) == 5  # folder, manifest, one record folder with its body and attachment
    for path in paths:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
