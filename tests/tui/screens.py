"""Put a station app on a given step with a given, fictional session (for snapshots)."""

from __future__ import annotations

import datetime as dt

from devices.card.samples import RESIDENT
from kiosk.domain.flow import Step
from kiosk.domain.form import prefill
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt_number import make_receipt_number
from kiosk.domain.session import CapturedImage
from kiosk.domain.submission import receipt_for
from kiosk.ui.app import KioskApp
from offline_queue.api import Enqueued

SERVICE = "HKMO-ENDORSE"  # prefilled, choice and keypad fields, one document page
RECEIPT_NUMBER = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 42)


def fill_session(app: KioskApp, lang: Lang, upto: Step) -> None:
    """Give the app's session everything a citizen would have done before `upto`."""
    session = app.session
    session.lang = lang
    order = list(Step)
    if order.index(upto) <= order.index(Step.CONFIRM):
        if upto is Step.CONFIRM:
            session.identity = RESIDENT
        return
    session.identity, session.identity_confirmed = RESIDENT, True
    if upto is Step.CHOOSE:
        return
    catalog = app.station.catalog()
    service = catalog.service(SERVICE)
    session.choose_service(service, catalog.version)
    session.form.update(prefill(service, RESIDENT))
    if upto is Step.FORM:
        return
    session.form |= {"destination": "hk", "kind": "family", "phone": "13800138000"}
    session.form_done = True
    if upto is Step.CAPTURE:
        return
    session.add_page(CapturedImage("permit", 1, "id1", bytearray(b"\xff\xd8permit"), 856, 540))
    session.consent = upto is not Step.REVIEW


def done_receipt(app: KioskApp):
    """The receipt of the session `fill_session(..., Step.SUBMIT)` made, at a fixed time."""
    enqueued = Enqueued("7a1c62b4-3f7e-4c55-9b8f-2d7f4bb0c001", RECEIPT_NUMBER, "2026-11-23T02:03:04Z")
    info = app.station.info
    return receipt_for(
        app.session, enqueued, station_name=info.name, station_address=info.address,
        status_url=info.status_url_base, hotline=info.hotline,
    )  # fmt: skip


async def show(pilot, step: Step, lang: Lang) -> None:
    """Drive the app to `step` in `lang` the quick way (no clicking through earlier steps)."""
    app: KioskApp = pilot.app
    fill_session(app, lang, step)
    if step is Step.DONE:
        fill_session(app, lang, Step.SUBMIT)
        app.receipt = done_receipt(app)
        app.session.wipe(keep_lang=True)
    app.goto(step)
    await pilot.pause()
