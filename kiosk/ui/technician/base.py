"""What every technician screen shares: header with idle countdown, navigation, actions.

Technician screens are full screens pushed over the attract screen; leaving them (log out,
idle expiry) pops back to it. Blocking work (device tests, exports, installs) runs in one
thread worker per screen and reports a one-line result; nothing shown here is about a
citizen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from kiosk.domain.i18n_text import Lang
from kiosk.technician.ops import LEFT_KIOSK_EXIT_CODE, TechnicianOps
from kiosk.ui.technician.text import tt
from kiosk.ui.widgets.plain import PlainButton, PlainStatic

NAV = ("devices", "queue", "catalog", "events")


def format_age(seconds: float | None, lang: Lang) -> str:
    if seconds is None:
        return tt("common.none", lang)
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min" if minutes else f"{int(seconds)} s"
    return f"{minutes // 60} h {minutes % 60} min"


class TechnicianScreen(Screen[None]):
    """A technician screen. Subclasses set `NAME` and write `compose_body`/`refresh_view`."""

    CSS_PATH = "technician.tcss"
    TECHNICIAN_MODE = True  # marks every technician screen (see is_technician_screen)
    NAME: ClassVar[str]
    REFRESH_S: ClassVar[float] = 0.0  # >0: refresh_view on this period

    def __init__(self, ops: TechnicianOps, lang: Lang) -> None:
        super().__init__(classes="technician")
        self.ops = ops
        self.lang = lang

    def t(self, key: str, /, **values: object) -> str:
        return tt(key, self.lang, **values)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="tech-header"):
            yield PlainStatic(self.t("common.mode"), classes="tech-mode")
            yield PlainStatic(self.t(f"{self.NAME}.title"), classes="tech-title")
            yield PlainStatic("", id="tech-idle")
        with Vertical(classes="tech-body"):
            yield from self.compose_body()
            yield PlainStatic("", id="result")
        with Horizontal(classes="tech-nav"):
            for name in NAV:
                yield PlainButton(self.t(f"nav.{name}"), id=f"nav-{name}", disabled=name == self.NAME)
            yield PlainButton(self.t("nav.logout"), id="nav-logout", variant="primary")
            yield PlainButton(self.t("nav.leave"), id="nav-leave", variant="error")

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError
        yield

    def refresh_view(self) -> None:
        """Re-read what the screen shows (cheap, in-memory or one SQLite read)."""

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick, name="technician-idle")
        if self.REFRESH_S:
            self.set_interval(self.REFRESH_S, self._refresh, name="technician-refresh")
        self._refresh()
        self._tick()

    def _refresh(self) -> None:
        """refresh_view while a session is open; the tools refuse to work without one."""
        if self.ops.gate.session is None:
            self.close()
        else:
            self.refresh_view()

    def _tick(self) -> None:
        gate = self.ops.gate
        if gate.session is None:  # idle expiry (the gate records it) or logged out
            self.close()
            return
        minutes = max(1, math.ceil(gate.idle_left() / 60))
        self.query_one("#tech-idle", Static).update(self.t("common.idle", minutes=minutes))

    def close(self) -> None:
        """Back to the citizen screens (closing a dialog left open on top, too)."""
        while getattr(self.app.screen, "TECHNICIAN_MODE", False):
            self.app.pop_screen()

    # --- input counts as activity ------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.ops.gate.touch()

    def on_key(self, event: events.Key) -> None:
        self.ops.gate.touch()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.ops.gate.touch()
        button = event.button.id or ""
        if button.startswith("nav-"):
            event.stop()
            self.navigate(button.removeprefix("nav-"))
        else:
            self.on_action_button(button)

    def on_action_button(self, button: str) -> None:
        """A screen's own buttons."""

    def navigate(self, target: str) -> None:
        from kiosk.ui.technician.screens import SCREENS  # the screens module imports this one

        if target == "logout":
            self.ops.gate.logout()
            self.close()
        elif target == "leave":
            self.app.push_screen(ConfirmLeave(self.lang), self._leave_answered)
        else:
            self.app.switch_screen(SCREENS[target](self.ops, self.lang))

    def _leave_answered(self, leave: bool | None) -> None:
        if leave:
            self.ops.leave_kiosk()
            self.app.exit(return_code=LEFT_KIOSK_EXIT_CODE)

    # --- blocking actions ---------------------------------------------------------------

    def run_blocking(self, action: Callable[[], str]) -> None:
        """Run `action` on a thread; its returned line (or its error) goes to #result."""
        self.query_one("#result", Static).update(self.t("common.working"))
        self._blocking(action)

    @work(thread=True, exit_on_error=False, exclusive=True, group="technician", name="technician-action")
    def _blocking(self, action: Callable[[], str]) -> str:
        return action()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "technician-action":
            return
        if event.state is WorkerState.SUCCESS:
            self.query_one("#result", Static).update(str(event.worker.result))
            self._refresh()
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self.query_one("#result", Static).update(f"{type(error).__name__}: {error}")


class ConfirmLeave(ModalScreen[bool]):
    """Leaving kiosk mode stops the station serving citizens: ask once more."""

    CSS_PATH = "technician.tcss"
    TECHNICIAN_MODE = True

    def __init__(self, lang: Lang) -> None:
        super().__init__(classes="technician-dialog")
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(tt("leave.confirm", self.lang), id="leave-question")
            with Horizontal(classes="dialog-actions"):
                yield PlainButton(tt("leave.no", self.lang), id="leave-no", variant="primary")
                yield PlainButton(tt("leave.yes", self.lang), id="leave-yes", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "leave-yes")
