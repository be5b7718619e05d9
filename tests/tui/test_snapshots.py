"""Every screen in every language at the station's size (pytest-textual-snapshot).

Update after an intended change with `pytest tests/tui --snapshot-update`, then look at
the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

import pytest

from devices.camera.base import DocKind
from devices.card.samples import PASSPORT
from devices.errors import PaperOut
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import Lang
from kiosk.station import STATION_SIZE
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.widgets.keypad import KeypadMode
from kiosk.ui.widgets.preview import CameraPreview
from tests.tui.conftest import mrz_dialog_shown, wait_for
from tests.tui.screens import show

LANGS = pytest.mark.parametrize("lang", list(Lang), ids=[lang.value for lang in Lang])


def _snap(snap_compare, app, run_before) -> bool:
    return snap_compare(app, terminal_size=STATION_SIZE, run_before=run_before)


@LANGS
@pytest.mark.parametrize("step", [Step.ATTRACT, Step.IDENTIFY, Step.CONFIRM, Step.CHOOSE, Step.FORM, Step.REVIEW])
def test_step(snap_compare, rig_factory, step, lang):
    app = rig_factory().app()

    async def run_before(pilot):
        await show(pilot, step, lang)

    assert _snap(snap_compare, app, run_before)


@LANGS
def test_attract_with_printer_down(snap_compare, rig_factory, lang):
    app = rig_factory(unavailable=frozenset({"printer"})).app()

    async def run_before(pilot):
        await show(pilot, Step.ATTRACT, lang)

    assert _snap(snap_compare, app, run_before)


@LANGS
def test_form_with_validation_messages(snap_compare, rig_factory, lang):
    app = rig_factory().app()

    async def run_before(pilot):
        await show(pilot, Step.FORM, lang)
        app.screen.query_one("#next").press()  # not a click: no hover highlight
        await pilot.pause(0.4)  # past the button's pressed flash

    assert _snap(snap_compare, app, run_before)


@LANGS
def test_submit_refused_when_queue_full(snap_compare, rig_factory, lang):
    rig = rig_factory()
    rig.outbox.min_free_bytes = 1 << 62  # the real store refuses: free disk below the floor
    app = rig.app()

    async def run_before(pilot):
        await show(pilot, Step.SUBMIT, lang)
        await wait_for(pilot, lambda: app.screen.query_one("#finish").display)

    assert _snap(snap_compare, app, run_before)


@LANGS
@pytest.mark.parametrize("printed", [True, False], ids=["printed", "paper-out"])
def test_done(snap_compare, rig_factory, lang, printed):
    rig = rig_factory()
    if not printed:
        rig.printer.fail_next = PaperOut("paper out")
    app = rig.app()

    async def run_before(pilot):
        await show(pilot, Step.DONE, lang)
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#print-status").render()))

    assert _snap(snap_compare, app, run_before)


@LANGS
@pytest.mark.parametrize(
    ("mode", "value"), [(KeypadMode.DATE, "2025-0"), (KeypadMode.ALNUM, "91440101MA5")], ids=["date", "code"]
)
def test_keypad_dialog(snap_compare, rig_factory, lang, mode, value):
    app = rig_factory().app()

    async def run_before(pilot):
        await show(pilot, Step.FORM, lang)
        app.push_screen(KeypadScreen("字段 / Field", value, mode, 18, lang))
        await pilot.pause()

    assert _snap(snap_compare, app, run_before)


@LANGS
@pytest.mark.parametrize("state", ["empty-platen", "captured"])
def test_capture(snap_compare, rig_factory, lang, state):
    rig = rig_factory()
    app = rig.app()

    async def run_before(pilot):
        await show(pilot, Step.CAPTURE, lang)
        preview = app.screen.query_one(CameraPreview)
        await wait_for(pilot, lambda: bool(preview._cells), timeout=10)
        if state == "captured":
            rig.camera.place(DocKind.ID1)
            await wait_for(pilot, lambda: app.screen.query_one("#use").display, timeout=10)
        await pilot.pause(0.3)

    assert _snap(snap_compare, app, run_before)


@LANGS
def test_choose_without_a_catalog(snap_compare, rig_factory, lang):
    app = rig_factory(catalog=lambda: None).app()

    async def run_before(pilot):
        await show(pilot, Step.CHOOSE, lang)

    assert _snap(snap_compare, app, run_before)


@LANGS
@pytest.mark.parametrize("state", ["asked", "refused"])
def test_mrz_dialog(snap_compare, rig_factory, lang, state):
    rig = rig_factory()
    app = rig.app()

    async def run_before(pilot):
        await show(pilot, Step.IDENTIFY, lang)
        rig.reader.insert(PASSPORT)
        await wait_for(pilot, lambda: mrz_dialog_shown(app))
        if state == "refused":  # typed on the keyboard: no hover highlight in the picture
            for field, value in (("number", "E12345678"), ("birth", "791105"), ("expiry", "300630")):
                app.screen.query_one(f"#edit-{field}").press()
                await pilot.pause()
                await pilot.press(*value, "enter")
            app.screen.query_one("#read").press()
            await wait_for(pilot, lambda: app.screen.query_one("#mrz-message").has_class("-error"))
        await pilot.pause(0.4)  # past the button's pressed flash

    assert _snap(snap_compare, app, run_before)
