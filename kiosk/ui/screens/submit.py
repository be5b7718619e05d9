"""Submit: one `outbox.enqueue` in a thread worker; a full queue is said plainly.

On success the receipt (masked identity only) is built, the session's personal data is
wiped at once, and the done screen prints. On failure nothing was queued: the session is
wiped too and the citizen is told to come back later or go to a service counter.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from kiosk.domain.flow import Step
from kiosk.domain.receipt import Receipt
from kiosk.domain.submission import build_submission, receipt_for
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic
from offline_queue.api import QueueFull


class SubmitScreen(KioskScreen):
    STEP = Step.SUBMIT
    LANGUAGE_SWITCH = False  # a new screen would submit again
    CSS_PATH = "submit.tcss"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="progress"):
            yield PlainStatic(self.t("submit.sending"), id="message")
            yield LoadingIndicator(id="spinner")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.finish"), id="finish", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#finish").display = False
        self.submit()

    @work(thread=True, exit_on_error=False, name="submit", exclusive=True)
    def submit(self) -> Receipt:
        station, session = self.station, self.session
        submission = build_submission(session, station.next_receipt_number())
        enqueued = station.outbox.enqueue(submission)
        info = station.info
        return receipt_for(
            session,
            enqueued,
            station_name=info.name,
            station_address=info.address,
            status_url=info.status_url_base,
            hotline=info.hotline,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "submit":
            return
        self.kiosk.originals = bool(self.session.pages)  # the done screen asks for them back
        if event.state is WorkerState.SUCCESS:
            self.kiosk.receipt = event.worker.result
            self.session.wipe(keep_lang=True)
            self.kiosk.goto(Step.DONE)
        elif event.state is WorkerState.ERROR:
            self.session.wipe(keep_lang=True)
            key = "submit.error.full" if isinstance(event.worker.error, QueueFull) else "submit.error.other"
            message = self.query_one("#message", Static)
            message.update(self.t(key))
            message.add_class("-error")
            self.query_one("#spinner").display = False
            finish = self.query_one("#finish", Button)
            finish.display = True
            finish.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "finish":
            self.kiosk.end_session()
