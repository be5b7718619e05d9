"""The face check (人证核验): the head-turn prompts, then a humane outcome.

The check runs in a thread worker: the camera facing the citizen is started only now
(after consent) and stopped when the check ends; `run_check` feeds its frames to a
`FaceSession` made from the document photo, and each frame's `Progress.prompt` comes back
as a `FaceProgress` message for the screen to show. The session is a `with` block, so the
reference embedding is wiped whatever happens; only `FaceOutcome.as_dict()` is kept, in the
citizen session, for the sealed submission.

Outcomes: matched goes on to the form. A mismatch is refused at once, kindly, with the
hotline (no retry: a retry would let an impostor keep trying). Liveness failure, nobody
seen, or several faces get one "try again" (LIVENESS_TRIES checks in all), then the same
refusal. An unusable document photo or a failed camera ends at the counter/hotline too.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerCancelled, WorkerState, get_current_worker

from devices.errors import DeviceError, FaceError
from devices.face.base import FaceOutcome
from devices.face.session import Progress, run_check
from kiosk.domain.flow import Step
from kiosk.ui.messages import FaceProgress
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

#: Face checks a citizen gets when liveness (not the match) failed: the first and one more.
LIVENESS_TRIES = 2


class FaceCheckScreen(KioskScreen):
    STEP = Step.FACE
    CSS_PATH = "face.tcss"
    AUTO_FOCUS = "#back"
    LANGUAGE_SWITCH = False  # switching would compose the screen again and restart the check

    def __init__(self) -> None:
        super().__init__()
        self.tries = 0
        self.prompt = "centre"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="face-card"):
            yield PlainStatic(self.t("face.check.title"), id="face-title")
            yield PlainStatic(self.t("face.prompt.centre"), id="face-prompt")
            yield PlainStatic("", id="face-message")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.back"), id="back")
            yield PlainButton(self.t("face.retry"), id="retry", variant="primary", classes="-hidden")
            yield PlainButton(self.t("face.finish"), id="finish", variant="error", classes="-hidden")

    def on_mount(self) -> None:
        super().on_mount()
        self.start_check()

    def start_check(self) -> None:
        self.tries += 1
        self._show_prompt("centre")
        self._message("")
        self.query_one("#retry").set_class(True, "-hidden")
        self.check()

    @work(thread=True, exit_on_error=False, name="face_check", exclusive=True)
    def check(self) -> FaceOutcome:
        face, identity = self.station.face, self.session.identity
        assert face is not None and identity is not None, "the face step is reached only with both"
        worker = get_current_worker()

        def progress(p: Progress) -> None:
            if worker.is_cancelled:  # the citizen went back, or the session ended: stop looking
                raise WorkerCancelled()
            self.post_message(FaceProgress(p.prompt.value, p.faces))

        face.camera.start()
        try:
            with face.session(identity.photo) as session:  # wiped on leaving, whatever happened
                return run_check(face.camera, session, face.timeout_s, on_progress=progress)
        finally:
            face.camera.stop()

    def on_face_progress(self, message: FaceProgress) -> None:
        if message.prompt != self.prompt:
            self._show_prompt(message.prompt)

    def _show_prompt(self, prompt: str) -> None:
        self.prompt = prompt
        self.query_one("#face-prompt", Static).update(self.t(f"face.prompt.{prompt}"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "face_check" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if not isinstance(error, (FaceError, DeviceError)):
                raise error  # a programming error: let the app show it
            self._refuse("face.error.unusable")  # unusable document photo, or the camera failed
            return
        outcome: FaceOutcome = event.worker.result
        if outcome.matched:
            self.session.face = outcome.as_dict()
            self.kiosk.advance()
        elif outcome.reason == "mismatch" or self.tries >= LIVENESS_TRIES:
            self._refuse("face.error.mismatch" if outcome.reason == "mismatch" else "face.error.failed")
        else:
            self._message(self.t("face.error.try_again"), error=True)
            self.query_one("#retry").set_class(False, "-hidden")
            self.query_one("#retry", Button).focus()

    def _refuse(self, key: str) -> None:
        """No face-checked service today: say so kindly, with the hotline, and offer to finish."""
        self.query_one("#face-prompt", Static).update("")
        self._message(self.t(key, hotline=self.station.info.hotline), error=True)
        self.query_one("#back").set_class(True, "-hidden")
        self.query_one("#finish").set_class(False, "-hidden")
        self.query_one("#finish", Button).focus()

    def _message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#face-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "retry":
            self.start_check()
        elif event.button.id == "back":
            self.workers.cancel_node(self)
            self.kiosk.back()
        elif event.button.id == "finish":
            self.kiosk.end_session()
