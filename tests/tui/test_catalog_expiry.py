"""Expiry is enforced while the station runs (issue 12, finding 8): a signed catalog installed
in the real queue database, read through the station's real catalog source (`ActiveCatalog`)
on a clock the test moves. Before the fix `expires_at` was checked only at install, so an
expired catalog's services stayed on offer until someone noticed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from textual.widgets import Static

from kiosk.bootstrap.parts import ActiveCatalog
from kiosk.domain.flow import Step
from kiosk.station import STATION_SIZE
from kiosk.ui.technician.screens import CatalogScreen
from offline_queue.catalog_bundle import generate_signing_keypair, sign_bundle, verify_bundle
from tests.tui.conftest import click, visible_text, wait_for
from tests.tui.tech.test_technician_mode import SIZE, Host, login

DEMO = Path(__file__).resolve().parents[2] / "kiosk" / "demo" / "catalog.json"
T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def install_demo(outbox, *, version: int, effective: dt.datetime, expires: dt.datetime | None, now: dt.datetime) -> str:
    """Sign the demo catalog with these dates, verify it as a station does at `now`, install it."""
    private, public = generate_signing_keypair()
    payload = json.loads(DEMO.read_text(encoding="utf-8"))
    payload.update(version=version, effective_from=effective.isoformat(), expires_at=expires and expires.isoformat())
    verified = verify_bundle(sign_bundle(payload, private, "k"), trusted_keys={"k": public}, region=payload["region"],
                             current_version=0, now=now)
    return outbox.catalog.install(verified, now)


async def start_session(pilot) -> None:
    app = pilot.app
    await click(pilot, "#lang-en")
    await click(pilot, "#sample-resident")
    await wait_for(pilot, lambda: app.step is Step.CONFIRM)
    await click(pilot, "#yes")
    await wait_for(pilot, lambda: app.step is Step.CHOOSE)


async def test_a_catalog_that_expires_while_the_station_runs_is_no_longer_offered(rig_factory):
    """Bad input: the catalog's `expires_at` passes while the station runs (no restart)."""
    rig = rig_factory()
    clock = Clock(T0)
    assert install_demo(rig.outbox, version=7, effective=T0 - dt.timedelta(days=1), expires=T0 + dt.timedelta(hours=1), now=T0) == "applied"
    source = ActiveCatalog(rig.outbox, clock=clock)
    rig.station = replace(rig.station, catalog=source)
    app = rig.app()
    async with app.run_test(size=STATION_SIZE) as pilot:
        await start_session(pilot)
        assert app.screen.query(".service") and "No services can be offered" not in visible_text(app)
        await click(pilot, "#cancel")
        rig.reader.remove()  # the citizen takes the card (the station asks for it first)
        await wait_for(pilot, lambda: app.step is Step.ATTRACT and app.screen.query("#lang-en"))
        clock.now = T0 + dt.timedelta(hours=1)  # the very moment it expires
        await start_session(pilot)
        assert "No services can be offered right now" in visible_text(app)
        assert not app.screen.query(".service")
    assert source.status() == (False, "catalog v7 expired at 2026-11-23 09:00 UTC: no services offered")


def test_a_staged_successor_takes_over_at_its_date(rig_factory):
    """Bad input: v7 expires at the moment staged v8 becomes effective; services continue."""
    rig = rig_factory()
    clock = Clock(T0)
    switch = T0 + dt.timedelta(hours=1)
    install_demo(rig.outbox, version=7, effective=T0 - dt.timedelta(days=1), expires=switch, now=T0)
    assert install_demo(rig.outbox, version=8, effective=switch, expires=None, now=T0) == "staged"
    source = ActiveCatalog(rig.outbox, clock=clock)
    clock.now = switch
    assert source() is not None and source().version == 8
    assert source.status() == (True, f"catalog v8 active without expiry, {len(source().services)} services")


async def test_technician_catalog_screen_says_the_catalog_expired(tmp_path):
    """Bad input: the active catalog expired an hour before the technician looks (the rig's
    tools run at 2026-11-23 10:00 UTC)."""
    from tests.tui.tech.rig import build_rig

    rig = build_rig(tmp_path)
    try:
        install_demo(rig.outbox, version=7, effective=T0 - dt.timedelta(days=1), expires=T0 + dt.timedelta(hours=1), now=T0)
        async with Host(rig).run_test(size=SIZE) as pilot:
            await login(pilot, rig)
            await pilot.click("#nav-catalog")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, CatalogScreen))
            active = pilot.app.screen.query_one("#catalog-active", Static)
            await wait_for(pilot, lambda: "version 7" in str(active.render()))  # filled in by a worker
            assert "version 7 EXPIRED at 2026-11-23 09:00 UTC: no services are offered" in str(active.render())
    finally:
        rig.close()
