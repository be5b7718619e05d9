"""Done: the receipt number, large, and the printed receipt.

The receipt is laid out by the domain, rendered by the printer's renderer and sent in a
thread worker. When printing fails the number stays on screen with what to do; a reprint
is offered only while this screen is shown (same citizen), and nothing is ever queued to
print later.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from devices.errors import CoverOpen, PaperOut, PrinterOffline
from devices.printer.render import to_escpos
from kiosk.domain.flow import Step
from kiosk.domain.receipt_layout import receipt_blocks
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.i18n import promise_text
from kiosk.ui.widgets.bigtext import BigText
from kiosk.ui.widgets.plain import PlainButton, PlainStatic


def print_error_key(error: BaseException | None) -> str:
    """Which message explains a failed print."""
    if isinstance(error, PaperOut):
        return "done.print_error.paper"
    if isinstance(error, CoverOpen):
        return "done.print_error.cover"
    if isinstance(error, PrinterOffline):
        return "done.print_error.offline"
    return "done.print_error.other"


class DoneScreen(KioskScreen):
    STEP = Step.DONE
    CSS_PATH = "done.tcss"
    LANGUAGE_SWITCH = False  # a new screen would print again
    AUTO_FOCUS = "#finish"

    def compose_body(self) -> ComposeResult:
        receipt = self.kiosk.receipt
        assert receipt is not None, "done is reached only with a receipt"
        with Vertical(id="result"):
            yield PlainStatic(self.t("done.title"), id="title")
            yield PlainStatic(self.t("done.receipt_number"), id="number-label")
            yield PlainStatic(self._take_text(), id="take")
            with Center():
                yield BigText(receipt.receipt_number, id="number", wrap_at="-")
            with Center():
                yield PlainStatic(receipt.receipt_number, id="number-plain")
            yield PlainStatic(promise_text(receipt.promise, self.session.lang), id="promise")
            yield PlainStatic(self.t("done.printing"), id="print-status")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("done.reprint"), id="reprint", variant="warning")
            yield PlainButton(self.t("nav.finish"), id="finish", variant="success")

    def _take_text(self) -> str:
        """Take the card (when it is still there) and the originals (when any were captured)."""
        parts = [self.t("take.done_card")] if self.kiosk.card_on_reader else []
        if self.kiosk.originals:
            parts.append(self.t("take.originals"))
        return self.t("list.separator").join(parts)

    def on_mount(self) -> None:
        if self.kiosk.card_on_reader or self.kiosk.originals:
            self.app.bell()  # the chime with the reminder
        self.query_one("#reprint").display = False
        self.set_timer(self.station.session.done_return_s, self.kiosk.end_session, name="done-return")
        self.print_receipt()

    @work(thread=True, exit_on_error=False, name="print", exclusive=True)
    def print_receipt(self) -> None:
        receipt = self.kiosk.receipt
        assert receipt is not None
        printer = self.station.printer
        printer.print_bytes(to_escpos(receipt_blocks(receipt), printer.profile))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "print" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        status = self.query_one("#print-status", Static)
        failed = event.state is WorkerState.ERROR
        if failed:
            status.update(f"{self.t(print_error_key(event.worker.error))}\n{self.t('done.write_down')}")
        else:
            status.update(self.t("done.printed"))
        status.set_class(failed, "-error")
        self.query_one("#reprint").display = failed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "finish":
            self.kiosk.end_session()
        elif event.button.id == "reprint":
            event.button.display = False
            self.query_one("#print-status", Static).update(self.t("done.printing"))
            self.print_receipt()
