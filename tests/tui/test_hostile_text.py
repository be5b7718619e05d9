"""Text is text (issue 12, finding 3): hostile strings from a catalog, a card, a file, the
audit trail or the network are shown literally on every screen that shows such text, and
nothing else happens.

The hostile strings hold Textual markup (a `[@click=app.screenshot('precious.db','.')]`
action that would overwrite a file in the working directory, `[/]` that raised MarkupError,
`[bold red]`), control characters (ESC, NUL, BEL, DEL, C1 CSI 0x9B), bidirectional
overrides and isolates, and a 2,000-character string. Each check renders the screen as the
terminal would get it and asserts: every expected text is there character for character
(markup visible; controls shown as U+FFFD, bidi marks gone, as `kiosk/ui/plain.py` says), no
control or bidi character reaches the terminal, no rendered cell carries a click action,
tapping the hostile text runs nothing (the screenshot target is unchanged), and the app is
still running.

The hostile catalog is the demo catalog with every text replaced. Its `LocalText` values are
built with `model_construct` (not validated), so the screens are tested against text that the
catalog validator would refuse: they must be safe anyway (defence in depth).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.widgets import Button, DataTable, Static

from devices.card.samples import PASSPORT, RESIDENT
from devices.card.simulated import SimulatedCardReader
from devices.errors import CardError
import kiosk.ui
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.demo.controls import DemoCards
from kiosk.domain.catalog import Catalog
from kiosk.domain.flow import Step
from kiosk.domain.i18n_text import LocalText
from kiosk.domain.session import CapturedImage
from kiosk.station import StationInfo
from kiosk.ui.screens.keypad import KeypadScreen
from tests.tui.conftest import click, enter_on_keypad, mrz_dialog_shown, wait_for
from tests.tui.tech.rig import build_rig
from tests.tui.tech.test_technician_mode import SIZE, Host, login

CLICK = "[@click=app.screenshot('precious.db','.')]tap[/]"
#: What a catalog, card or file may hold ...
HOSTILE = f"{CLICK} [/] [bold red]red[/bold red] \x1b[2J\x00\x07\x7f\x9b \u202eevil\u202c \u2066\u2069\u200e\u200f\u061cend"
#: ... and what the screen must show for it.
SHOWN = f"{CLICK} [/] [bold red]red[/bold red] \ufffd[2J\ufffd\ufffd\ufffd\ufffd evil end"
LONG = "[/]" + "长" * 1994 + "[/]"  # 2,000 characters
#: Short enough for the technician tables' cut-off (60 and 70 characters).
HOSTILE_SHORT = f"{CLICK}[b]\x1b\x9b\u202e"
SHOWN_SHORT = f"{CLICK}[b]\ufffd\ufffd"
#: A file name on a drive: anything but "/".
FILE_NAME = "[@click=app.screenshot('precious.db','.')]tap[b]\x1b\x9b\u202e.json"
FILE_SHOWN = "[@click=app.screenshot('precious.db','.')]tap[b]\ufffd\ufffd.json"

FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SERVICE = "ELDERLY-ALLOWANCE"  # card values (address), choices, keypad fields, two documents
PRECIOUS = b"the queue database"

#: The card: `mask_name` keeps the first and last character, the address its first six.
CARD = dataclasses.replace(
    RESIDENT,
    name="[/]张三\x1b",
    address="[/]\x1b\u202e[b]广东省广州市天河区体育西路一百号",
    latin_name=HOSTILE,
    issuer=HOSTILE,
)
CARD_NAME_SHOWN = "[****\ufffd"
CARD_ADDRESS_SHOWN = "[/]\ufffd[********"


def hostile(tag: str, text: str = HOSTILE) -> LocalText:
    """The same hostile text in the three languages, not validated."""
    value = f"{tag}:{text}"
    return LocalText.model_construct(zh_hans=value, zh_hant=value, en=value)


def hostile_catalog() -> Catalog:
    """The demo catalog with hostile texts put in by `model_copy` (which does not validate):
    the validator refuses control characters, bidi overrides and over-long names, but the
    screens must be safe without relying on it (defence in depth)."""
    catalog = load_demo_catalog()
    services = []
    for service in catalog.services:
        long_name = service.code == "RP-RENEW"
        fields = tuple(
            field.model_copy(update={
                "label": hostile("field"),
                "choices": tuple(choice.model_copy(update={"label": hostile("choice")}) for choice in field.choices),
            })
            for field in service.fields
        )
        documents = tuple(
            document.model_copy(update={"label": hostile("document", LONG if document.id == "hukou" else HOSTILE)})
            for document in service.documents
        )
        services.append(service.model_copy(update={
            "name": hostile("service", LONG if long_name else HOSTILE),
            "description": hostile("description"),
            "department": hostile("department"),
            "fields": fields,
            "documents": documents,
        }))
    return catalog.model_copy(update={"services": tuple(services)})


def hostile_info() -> StationInfo:
    """The station's own name, address and hotline come from its config file."""
    return StationInfo(
        station_id="GZ-HZ-0001", name=f"station:{HOSTILE}", address=f"address:{HOSTILE}",
        hotline=f"hotline:{HOSTILE}", status_url_base="https://zwfw.example.gov.cn/s/",
    )  # fmt: skip


@pytest.fixture
def precious(tmp_path: Path, monkeypatch) -> Path:
    """The file the click action would overwrite, in the working directory it names."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "precious.db"
    target.write_bytes(PRECIOUS)
    return target


# --- what the terminal gets ----------------------------------------------------------------


def rendered(app) -> list:
    """The current screen as the terminal gets it: one strip of segments per line.
    (Textual has no public call for this; snapshots go through SVG, which drops control
    characters and styles' actions, the very things checked here.)"""
    return app.screen._compositor.render_strips()


def shown_texts(screen) -> list[str]:
    """The text each Static, Button and table cell on `screen` shows, after any parsing."""
    texts = []
    for widget in screen.query("*"):
        if isinstance(widget, Button):
            texts.append(widget.label.plain)
        elif isinstance(widget, Static):
            visual = widget.visual
            texts.append(visual.plain if isinstance(visual, Content) else str(visual))
        elif isinstance(widget, DataTable):
            for row in range(widget.row_count):
                texts.extend(c.plain if isinstance(c, Text) else str(c) for c in widget.get_row_at(row))
    return texts


def assert_plain(app, *expected: str) -> None:
    """Each `expected` text is shown literally; no control, bidi or click action on screen."""
    assert app.is_running, "the app ended"
    strips = rendered(app)
    lines = ["".join(segment.text for segment in strip) for strip in strips]
    leaked = sorted({f"U+{ord(char):04X}" for line in lines for char in FORBIDDEN.findall(line)})
    assert not leaked, f"{type(app.screen).__name__} sends {leaked} to the terminal"
    actions = [s.style.meta["@click"] for strip in strips for s in strip if s.style and "@click" in s.style.meta]
    assert not actions, f"{type(app.screen).__name__} binds click actions {actions}"
    texts = shown_texts(app.screen)
    for text in expected:
        assert any(text in shown for shown in texts), f"{type(app.screen).__name__} does not show {text[:60]!r}"


async def tap_text(pilot, selector: str, precious: Path, needle: str = "[@click") -> None:
    """Tap the first cell where `needle` is drawn inside the widget, then check that no
    action ran: the file the click action names is unchanged."""
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await pilot.pause()
    region = widget.region
    for y, strip in enumerate(rendered(pilot.app)):
        line = "".join(segment.text for segment in strip)
        starts = (m.start() for m in re.finditer(re.escape(needle), line)) if region.y <= y < region.bottom else ()
        for x in (cell_len(line[:start]) for start in starts):
            if region.x <= x < region.right:
                await pilot.click(offset=(x, y))
                await pilot.pause(0.3)
                assert precious.read_bytes() == PRECIOUS, "a tap on hostile text ran an action"
                return
    raise AssertionError(f"{needle!r} is not drawn in {selector}")


# --- the citizen's screens -----------------------------------------------------------------


async def test_a_session_through_every_step_shows_hostile_text_literally(rig_factory, precious):
    catalog = hostile_catalog()
    rig = rig_factory(catalog=lambda: catalog, info=hostile_info())
    app = rig.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert_plain(app, f"station:{SHOWN}", f"address:{SHOWN}", f"hotline:{SHOWN}")
        await tap_text(pilot, ".station-name", precious)

        await click(pilot, "#lang-zh-Hans")
        assert app.step is Step.IDENTIFY
        assert_plain(app, f"station:{SHOWN}")
        rig.reader.insert(CARD)  # a card with hostile name, address, Latin name and authority
        await wait_for(pilot, lambda: app.step is Step.CONFIRM)
        await pilot.pause()
        assert_plain(app, CARD_NAME_SHOWN)

        await click(pilot, "#yes")
        assert app.step is Step.CHOOSE
        assert_plain(app, f"service:{SHOWN}", f"service:{LONG}")
        await tap_text(pilot, f"#service-{SERVICE}", precious)  # the tap chooses the service
        await wait_for(pilot, lambda: app.step is Step.FORM)

        await pilot.pause()
        assert_plain(app, f"service:{SHOWN}", f"field:{SHOWN}", f"choice:{SHOWN}", CARD_ADDRESS_SHOWN)
        await tap_text(pilot, "#title", precious)
        await click(pilot, "#choice-living-0")
        await click(pilot, "#edit-bank_account")
        assert isinstance(app.screen, KeypadScreen)
        assert_plain(app, f"field:{SHOWN}")  # the keypad dialog's title is the field's label
        await tap_text(pilot, "#keypad-title", precious)
        for digit in "6222020200112233445":
            await click(pilot, f"#key-{digit}")
        await click(pilot, "#ok")
        await enter_on_keypad(pilot, "phone", "13800138000")
        await click(pilot, "#next")
        assert app.step is Step.CAPTURE

        await pilot.pause()
        assert_plain(app, f"document:{SHOWN}")
        await tap_text(pilot, "#title", precious)
        for document, kind in (("bank-card", "id1"), ("hukou", "booklet")):  # the camera has its own tests
            app.session.add_page(CapturedImage(document, 1, kind, bytearray(b"\xff\xd8page"), 856, 540))
        app.advance()
        await pilot.pause()

        assert app.step is Step.REVIEW
        assert_plain(app, f"service:{SHOWN}", f"field:{SHOWN}", f"choice:{SHOWN}", f"document:{SHOWN}",
                     f"document:{LONG}", CARD_NAME_SHOWN)  # fmt: skip
        await click(pilot, "#consent")
        await click(pilot, "#submit")
        assert_plain(app)  # the submit step, while it sends
        await wait_for(pilot, lambda: app.step is Step.DONE)
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#print-status").render()))
        assert_plain(app, f"station:{SHOWN}")
    assert precious.read_bytes() == PRECIOUS
    assert [record.service_code for record, _, _ in rig.queued() if record.service_code != "AUDIT"] == [SERVICE]


async def test_identify_shows_a_hostile_demo_card_plainly(rig_factory, precious):
    rig = rig_factory(info=hostile_info())
    rig.station = dataclasses.replace(
        rig.station, demo=DemoCards(samples={"hostile": CARD}, insert=rig.reader.insert, remove=rig.reader.remove)
    )
    app = rig.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#lang-en")
        assert app.step is Step.IDENTIFY
        assert_plain(app, f"station:{SHOWN}", CARD_NAME_SHOWN)


async def test_mrz_dialog_over_a_hostile_station(rig_factory, precious):
    rig = rig_factory(info=hostile_info())
    app = rig.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await click(pilot, "#lang-en")
        rig.reader.insert(PASSPORT)
        await wait_for(pilot, lambda: mrz_dialog_shown(app))
        assert_plain(app)
        await click(pilot, "#edit-number")
        for key in "E1234567":
            await click(pilot, f"#key-{key}")
        await click(pilot, "#ok")
        assert_plain(app, "E1234567")
        await pilot.app.pop_screen()  # the identify step behind the dialog, hostile header
        assert_plain(app, f"station:{SHOWN}")
    assert precious.read_bytes() == PRECIOUS


# --- the technician's screens --------------------------------------------------------------


@pytest.fixture
def tech(tmp_path: Path):
    """Technician mode with a card reader whose name (a driver's or a device's) is hostile."""
    rig = build_rig(tmp_path / "tech", card=SimulatedCardReader(name=HOSTILE_SHORT))
    yield rig
    rig.close()


async def test_technician_screens_show_hostile_text_literally(tech, precious):
    usb = Path(tech.ops.export_dir)
    (usb / FILE_NAME).write_text("not a bundle")  # a file name from a drive
    async with Host(tech).run_test(size=SIZE) as pilot:
        await login(pilot, tech)
        await pilot.pause()
        assert_plain(pilot.app, SHOWN_SHORT)  # the reader's probe detail
        await tap_text(pilot, "#devices-table", precious)

        await click(pilot, "#nav-catalog")
        await click(pilot, "#install")
        await wait_for(pilot, lambda: "rejected" in str(pilot.app.screen.query_one("#result", Static).render()))
        assert_plain(pilot.app, FILE_SHOWN)  # the install result names the file
        await tap_text(pilot, "#result", precious)

        await click(pilot, "#nav-events")
        await pilot.pause()
        assert_plain(pilot.app, f"file={FILE_SHOWN}")  # the audit record of that install
        await tap_text(pilot, "#events-table", precious)

        record = tech.outbox.claim("sync")  # an audit record the station forwards: the hub refuses it
        assert record is not None and tech.outbox.quarantine(record, HOSTILE_SHORT)  # a reason code from the network
        await click(pilot, "#nav-queue")
        await pilot.pause()
        assert_plain(pilot.app, f"{SHOWN_SHORT}: 1")
        await tap_text(pilot, "#queue-reasons", precious)

        tech.card.insert(RESIDENT)
        tech.card.fail_next = CardError(HOSTILE_SHORT)  # a driver's error message
        await click(pilot, "#nav-devices")
        await click(pilot, "#test-card")
        await wait_for(pilot, lambda: "CardError" in str(pilot.app.screen.query_one("#result", Static).render()))
        assert_plain(pilot.app, f"failed: CardError: {SHOWN_SHORT}")
        await tap_text(pilot, "#result", precious)
    assert precious.read_bytes() == PRECIOUS


# --- new screens stay plain ----------------------------------------------------------------

TEXT_WIDGETS = {"Static", "Label", "Button", "DataTable"}


def test_the_ui_builds_text_widgets_only_through_the_plain_ones():
    """A screen added later is not in the walk above: it must use PlainStatic, PlainLabel,
    PlainButton and PlainTable (kiosk/ui/widgets/plain.py) like every other."""
    root = Path(kiosk.ui.__file__).parent
    raw = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name == "widgets/plain.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TEXT_WIDGETS:
                raw.append(f"{name}:{node.lineno} {node.func.id}(...)")
    assert not raw, raw
