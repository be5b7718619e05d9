"""Capture each required document page: live preview, guidance, countdown, auto-capture.

A thread worker pulls frames from the camera, feeds the camera helper's `CaptureTracker`
and turns each frame into preview cells; it posts one `Progress` message per frame. The
screen only paints and answers the buttons: use the page, retake it, or go back. In demo
mode a button lays the sample document on the simulated platen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from devices.camera.base import CapturedPage, DocKind
from devices.camera.pipeline import Guidance, preview_cells
from devices.errors import DeviceError
from kiosk.domain.flow import PageSlot, Step, missing_pages, page_slots
from kiosk.domain.session import CapturedImage
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.preview import Cells, CameraPreview
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

#: What to tell the citizen for each of the tracker's verdicts.
GUIDANCE_KEYS = {
    Guidance.NO_DOCUMENT: "capture.searching",
    Guidance.CUT_OFF: "capture.outside",
    Guidance.MOVE_INSIDE: "capture.outside",
    Guidance.HOLD_STILL: "capture.moving",
    Guidance.GLARE: "capture.glare",
    Guidance.TOO_DARK: "capture.dark",
    Guidance.TOO_BRIGHT: "capture.bright",
    Guidance.BLURRY: "capture.blur",
}
FRAME_INTERVAL_S = 0.1  # the preview needs no more than ~10 frames a second


def fitted_cells(image: np.ndarray, corners: np.ndarray | None, cols: int, rows: int) -> Cells:
    """`preview_cells` without distortion: the picture is padded (black bars) to the
    grid's shape first, so a page looks like a page whatever the camera's aspect."""
    if cols <= 0 or rows <= 0:
        return []
    h, w = image.shape[:2]
    grid = cols / (2 * rows)  # half blocks: a cell is one pixel wide, two tall
    pad_x = max(0, round(h * grid) - w) // 2
    pad_y = max(0, round(w / grid) - h) // 2
    padded = cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    shifted = None if corners is None else np.asarray(corners, np.float32) + np.float32([pad_x, pad_y])
    return preview_cells(padded, shifted, cols, rows)


class CaptureScreen(KioskScreen):
    STEP = Step.CAPTURE
    CSS_PATH = "capture.tcss"

    @dataclass
    class Progress(Message):
        """One analysed frame: preview cells, the guidance key, countdown, a capture."""

        cells: Cells
        guidance: str
        countdown: float | None
        captured: CapturedPage | None = None

        def can_replace(self, message: Message) -> bool:
            """A newer frame supersedes one not yet painted (a slow screen never lags),
            but never one that carries the captured page."""
            return isinstance(message, CaptureScreen.Progress) and message.captured is None

    slots: list[PageSlot]
    index = 0
    pending: CapturedPage | None = None

    @property
    def slot(self) -> PageSlot:
        return self.slots[self.index]

    def compose_body(self) -> ComposeResult:
        service = self.session.service
        assert service is not None, "capture is reached only with a service"
        self.slots = page_slots(service)
        missing = missing_pages(self.session)  # back from review: all there, retake the last
        self.index = self.slots.index(missing[0]) if missing else len(self.slots) - 1
        with Horizontal(id="capture"):
            yield CameraPreview(id="preview")
            with Vertical(id="side"):
                yield PlainStatic("", id="title")
                yield PlainStatic("", id="guidance")
                if self.station.demo_documents is not None:
                    yield PlainButton(self.t("capture.demo_place"), id="demo-place", classes="demo")
                yield PlainButton(self.t("capture.use"), id="use", variant="success")
                yield PlainButton(self.t("capture.retake"), id="retake", variant="warning")
        with Horizontal(classes="nav"):
            yield PlainButton(self.t("nav.back"), id="back")
            yield PlainButton(self.t("nav.cancel"), id="cancel", variant="error")

    def on_mount(self) -> None:
        self._show_slot()
        self.run_camera()

    def _show_slot(self) -> None:
        slot, lang = self.slot, self.session.lang
        page = self.t("capture.page", page=slot.page, pages=slot.pages) if slot.pages > 1 else ""
        self.query_one("#title", Static).update(self.t("capture.title", document=slot.label.get(lang), page=page))
        self.pending = None
        self._set_review(False)
        self.query_one("#guidance", Static).update(self.t("capture.searching"))

    def _set_review(self, reviewing: bool) -> None:
        self.query_one("#use").display = reviewing
        self.query_one("#retake").display = reviewing
        for demo in self.query(".demo"):
            demo.display = not reviewing

    @work(thread=True, exit_on_error=False, name="camera", exclusive=True)
    def run_camera(self) -> None:
        """Frames -> tracker -> cells, until a page is captured or the screen goes."""
        worker = get_current_worker()
        tracker = self.station.new_tracker(DocKind(self.slot.kind))
        preview = self.query_one(CameraPreview)
        while not worker.is_cancelled:
            started = time.monotonic()
            cols, rows = preview.size.width, preview.size.height
            try:
                frame = self.station.camera.latest(timeout=1.0)
            except DeviceError:
                self.post_message(self.Progress([], "capture.camera_lost", None))
                time.sleep(1.0)
                continue
            update = tracker.update(frame)
            if update.captured is not None:
                page = update.captured
                flat = cv2.imdecode(np.frombuffer(page.jpeg, np.uint8), cv2.IMREAD_COLOR)
                self.post_message(self.Progress(fitted_cells(flat, None, cols, rows), "capture.captured", None, page))
                return
            key = "capture.countdown" if update.countdown is not None else GUIDANCE_KEYS.get(update.guidance, "capture.searching")
            self.post_message(self.Progress(fitted_cells(frame.image, update.corners, cols, rows), key, update.countdown))
            time.sleep(max(0.0, FRAME_INTERVAL_S - (time.monotonic() - started)))

    def on_capture_screen_progress(self, message: Progress) -> None:
        if message.cells:
            self.query_one(CameraPreview).show(message.cells)
        seconds = max(1, round(message.countdown)) if message.countdown is not None else 0
        self.query_one("#guidance", Static).update(self.t(message.guidance, seconds=seconds))
        if message.captured is not None:
            self.pending = message.captured
            self._set_review(True)
            self.query_one("#use", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id
        demo = self.station.demo_documents
        if button_id == "back":
            self.kiosk.back()
        elif button_id == "cancel":
            self.kiosk.end_session()
        elif button_id == "demo-place" and demo is not None:
            demo.place(DocKind(self.slot.kind))
        elif button_id == "retake":
            self._show_slot()
            self.run_camera()
        elif button_id == "use" and self.pending is not None:
            self._use(self.pending)

    def _use(self, page: CapturedPage) -> None:
        slot = self.slot
        self.session.add_page(
            CapturedImage(slot.document_id, slot.page, slot.kind, bytearray(page.jpeg), page.width, page.height)
        )
        self.pending = None
        if self.station.demo_documents is not None:
            self.station.demo_documents.remove()  # the citizen takes the page away
        missing = missing_pages(self.session)
        if not missing:
            self.kiosk.advance()
            return
        self.index = self.slots.index(missing[0])
        self._show_slot()
        self.run_camera()
