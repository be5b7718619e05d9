"""The catalog the station runs and the next one waiting for its date, in the queue database.

Signed bundles arrive through the sync daemon (`SyncEngine.poll_catalog`) or a technician's
USB stick; only what `catalog_bundle.verify_bundle` accepted is installed. They live in the
queue's database because the daemon writes and the station reads, and both already share it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from offline_queue.database import QueueDatabase, first_row
from offline_queue.wire import utc_now_rfc3339


class VerifiedCatalog(Protocol):
    """What `CatalogState.install` needs of `catalog_bundle.VerifiedBundle`."""

    payload: dict[str, Any]
    version: int
    region: str
    effective_from: datetime
    expires_at: datetime | None
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """An installed catalog bundle (active or staged)."""

    version: int
    region: str
    effective_from: datetime
    expires_at: datetime | None
    payload: dict[str, Any] = field(repr=False)
    bundle: dict[str, Any] = field(repr=False)

    def expired(self, now: datetime) -> bool:
        """True from `expires_at` on: its services must no longer be offered."""
        return self.expires_at is not None and now >= self.expires_at


class CatalogState:
    """The catalog the station runs (`active`) and the next one waiting for its date (`staged`).

    Only bundles that `catalog_bundle.verify_bundle` accepted are installed here; the daemon
    writes, the station reads. A staged bundle becomes active once `effective_from` passes
    (`apply_due`, which `active()` also runs, so a reader never shows a stale catalog); an
    active one stops being offered at `expires_at` (`offered()`), checked at every read, so
    expiry needs no restart and no daemon.
    """

    def __init__(self, db: QueueDatabase) -> None:
        self._db = db

    def _slot(self, slot: str) -> CatalogSnapshot | None:
        with self._db.read() as conn:
            row = first_row(conn.execute(
                "SELECT version, region, effective_from, expires_at, payload, bundle"
                " FROM catalog WHERE slot = ?",
                (slot,),
            ))
        if row is None:
            return None
        version, region, effective_from, expires_at, payload, bundle = row
        return CatalogSnapshot(
            version=version,
            region=region,
            effective_from=datetime.fromisoformat(effective_from),
            expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
            payload=json.loads(payload),
            bundle=json.loads(bundle),
        )

    def active(self, now: datetime | None = None) -> CatalogSnapshot | None:
        """The catalog installed to run, expired or not (its version still bars rollbacks)."""
        self.apply_due(now)
        return self._slot("active")

    def offered(self, now: datetime | None = None) -> CatalogSnapshot | None:
        """The active catalog while its services may be offered: None once it expired."""
        now = now or datetime.now(UTC)
        active = self.active(now)
        return None if active is None or active.expired(now) else active

    def report(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """What a heartbeat says of the catalogs (SERVICE_API 1.1 `catalogs`)."""
        now = now or datetime.now(UTC)
        active, staged = self.active(now), self.staged()
        out = []
        if active is not None:
            state = "expired" if active.expired(now) else "active"
            out.append({"region": active.region, "version": active.version, "state": state})
        if staged is not None:
            out.append({"region": staged.region, "version": staged.version, "state": "staged"})
        return out

    def staged(self) -> CatalogSnapshot | None:
        return self._slot("staged")

    def install(self, bundle: VerifiedCatalog, now: datetime | None = None) -> str:
        """Install a verified bundle: 'applied', 'staged', or 'ignored' (not newer than staged)."""
        now = now or datetime.now(UTC)
        effective = now >= bundle.effective_from
        with self._db.write() as conn:
            versions = dict(conn.execute("SELECT slot, version FROM catalog").fetchall())
            if bundle.version <= max(versions.values(), default=-1):
                return "ignored"
            slot = "active" if effective else "staged"
            conn.execute(
                "INSERT OR REPLACE INTO catalog (slot, version, region, effective_from, expires_at,"
                " payload, bundle, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    slot,
                    bundle.version,
                    bundle.region,
                    bundle.effective_from.isoformat(),
                    bundle.expires_at.isoformat() if bundle.expires_at else None,
                    json.dumps(bundle.payload, ensure_ascii=False),
                    json.dumps(bundle.raw),
                    utc_now_rfc3339(),
                ),
            )
            if effective:
                conn.execute("DELETE FROM catalog WHERE slot = 'staged'")
        return "applied" if effective else "staged"

    def apply_due(self, now: datetime | None = None) -> bool:
        """Promote the staged bundle if its time has come (drop it if it expired meanwhile)."""
        now = now or datetime.now(UTC)
        staged = self._slot("staged")
        if staged is None or now < staged.effective_from:
            return False
        with self._db.write() as conn:
            if staged.expires_at is not None and now >= staged.expires_at:
                conn.execute("DELETE FROM catalog WHERE slot = 'staged'")
                return False
            conn.execute("DELETE FROM catalog WHERE slot = 'active'")
            conn.execute("UPDATE catalog SET slot = 'active' WHERE slot = 'staged'")
        return True
