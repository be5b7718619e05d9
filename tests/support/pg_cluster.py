"""A throwaway PostgreSQL cluster from Debian's `postgresql` package, for the hub's tests and
`bench/hub.py`: initdb and pg_ctl in a temporary directory, listening only on a unix socket
in it (no TCP port), run as an unprivileged user (`nobody` when we are root: PostgreSQL
refuses to run as root), stopped and removed at the end.

Nothing is skipped when it cannot start: `PgCluster.start` raises with the reason and the
server's log, so the tests that need it fail saying why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

PG_BIN_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "hub"
PORT = 5432  # names the socket file only: the cluster listens on no TCP port
TIMEOUT_S = 60


class ClusterError(RuntimeError):
    pass


def pg_bin() -> Path:
    """The newest installed server's bin directory."""
    versions = sorted((p for p in PG_BIN_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not versions:
        raise ClusterError(f"no PostgreSQL server under {PG_BIN_ROOT}: run scripts/setup.sh (Debian package postgresql)")
    return versions[-1]


class PgCluster:
    """`with PgCluster() as cluster: cluster.create_database("x")` gives a URL to a new,
    empty database. `fsync=False` (tests) trades crash safety for speed; benchmarks keep it."""

    def __init__(self, *, fsync: bool = True) -> None:
        self.fsync = fsync
        self.root: Path | None = None
        self._run_as: list[str] = []

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self._run_as, *args], capture_output=True, text=True, timeout=TIMEOUT_S, check=True)
        except subprocess.CalledProcessError as exc:
            log = self.root / "server.log" if self.root else None
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise ClusterError(f"{Path(args[0]).name} failed: {exc.stderr.strip() or exc.stdout.strip()}\n{tail}") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClusterError(f"{Path(args[0]).name} could not run: {exc}") from None

    def start(self) -> PgCluster:
        binaries = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in (self.root, self.socket_dir):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            self._run_as = ["runuser", "-u", "nobody", "--"]
        data = self.root / "data"
        self._run(str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", *([] if self.fsync else ["--no-sync"]))
        options = f"-k {self.socket_dir} -p {PORT} -c listen_addresses='' -c max_connections=200"
        if not self.fsync:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-o", options,
                  "-w", "-t", str(TIMEOUT_S), "start")
        return self

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._run(str(pg_bin() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w",
                          "-t", str(TIMEOUT_S), "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PgCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
