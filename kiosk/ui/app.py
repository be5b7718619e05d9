"""The station's Textual app: one screen per citizen step, kiosk-mode keys, session safety.

The app owns the `CitizenSession` and the moves between steps (`goto`, `advance`, `back`,
`end_session`); which step comes next is decided by `kiosk.domain.flow`. Card events
arrive from the reader's thread as `CardChanged` messages; blocking device calls run in
thread workers (`exit_on_error=False`) and their outcome is handled in one
`on_worker_state_changed`, as harlequin does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from devices.card.base import CardEvent, CardEventKind, Identity
from devices.errors import AuthenticationFailed, CardError, CardRejected, DeviceError, MrzRequired
from kiosk.domain.flow import CITIZEN_DOCUMENTS, SESSION_STEPS, Step, next_step, previous_step
from kiosk.domain.help_request import HelpRequest
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt import Receipt
from kiosk.domain.session import CitizenSession
from kiosk.station import Station
from kiosk.ui.i18n import t
from kiosk.ui.messages import CardChanged, CardReadFailed, CardReading
from kiosk.ui.screens import SCREENS
from kiosk.ui.screens.ask import AskScreen
from kiosk.ui.screens.help import HelpScreen
from kiosk.ui.screens.take_card import TakeCardScreen
from kiosk.ui.theme import HIGH_CONTRAST, register_themes
from kiosk.ui.screens.mrz import MrzOutcome, MrzScreen
from kiosk.ui.technician import is_technician_screen, open_technician_mode
from kiosk.ui.terminal import TERMINAL_GRACE_S, TERMINAL_LOST_EXIT_CODE, hung_up, leave_anyway_after
from kiosk.ui.widgets.idle import IdleBanner

log = logging.getLogger(__name__)

#: Keys that quit, suspend or open tools in a normal Textual app: nothing in kiosk mode.
KIOSK_KEYS = (
    "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+d", "ctrl+p", "ctrl+s",
    "ctrl+w", "ctrl+x", "ctrl+y", "ctrl+l", "ctrl+t",
)  # fmt: skip

#: Where idleness is not counted: nobody is in a session, or the station is busy/finishing.
_NOT_IDLE_STEPS = frozenset({Step.ATTRACT, Step.SUBMIT, Step.DONE})


class KioskApp(App[None]):
    """The citizen UI of one station."""

    TITLE = "Kiosk"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "kiosk_quit", show=False, priority=True, system=True),
        *(Binding(key, "ignore", show=False, priority=True, system=True) for key in KIOSK_KEYS),
        Binding("f12", "technician", show=False, priority=True, system=True),
    ]

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station
        self.session = CitizenSession(default_lang=station.session.default_language)
        self.receipt: Receipt | None = None  # the last submission's, for the done screen
        self.step = Step.ATTRACT
        self._last_input = time.monotonic()
        self._started: list[Callable[[], None]] = []  # stop() of each device started
        self.card_on_reader = False  # from the reader's events: a card was placed and not taken
        self.originals = False  # the session that just ended captured documents (take the originals)
        self.base_theme = register_themes(self)

    # --- lifecycle -----------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(SCREENS[Step.ATTRACT]())
        self.set_interval(0.5, self._check_idle, name="idle")
        self.start_devices()
        if not self.is_headless and os.isatty(sys.__stdin__.fileno()):
            self.set_interval(1.0, self._check_terminal, name="terminal")
            if signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:  # under nohup it stays ignored
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._terminal_lost, "hang-up signal")
        systemd = self.station.systemd
        if systemd is not None:  # pings from this event loop: a frozen UI stops them
            systemd.ready("serving")
            if systemd.watchdog_interval:
                self.set_interval(systemd.watchdog_interval / 2, systemd.watchdog, name="watchdog")

    def _check_terminal(self) -> None:
        if hung_up(sys.__stdin__.fileno()):
            self._terminal_lost("poll")

    def _terminal_lost(self, how: str) -> None:
        """Leave cleanly (devices stopped, session wiped) rather than die or spin; see terminal.py."""
        log.warning("the terminal hung up (%s): leaving, to be started again on a fresh one", how)
        leave_anyway_after(TERMINAL_GRACE_S)
        self.exit(return_code=TERMINAL_LOST_EXIT_CODE)

    def on_unmount(self) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for stop in self._started:
            stop()
        self.session.wipe()

    @work(thread=True, exit_on_error=False, name="start_devices", group="devices")
    def start_devices(self) -> None:
        """Start reader and camera off the event loop; the reader's listener only posts.

        A device that will not start does not stop the other one: the station still
        serves what it can, and the supervisor reports the device as down.
        """
        card, camera = self.station.card, self.station.camera
        for name, start, stop in (
            ("card reader", lambda: card.start(self._card_listener), card.stop),
            ("camera", camera.start, camera.stop),
        ):
            try:
                start()
            except DeviceError as exc:
                log.warning("%s did not start: %s", name, exc)
            else:
                self._started.append(stop)

    def _card_listener(self, event: CardEvent) -> None:
        self.post_message(CardChanged(event))  # called on the reader's thread

    # --- kiosk mode ----------------------------------------------------------------

    def action_ignore(self) -> None:
        """Kiosk mode: quit, suspend and tool keys do nothing."""

    def action_kiosk_quit(self) -> None:
        """Ctrl+Q: nothing in kiosk mode; quits a development station (kiosk_mode = false)."""
        if not self.station.kiosk_mode:
            self.exit()

    async def action_quit(self) -> None:
        """Nothing quits without the technician PIN."""
        self.action_technician()

    def action_technician(self) -> None:
        """Technician mode (badge or PIN, with lockout): the only way out of kiosk mode.

        A citizen's session never stays open behind a technician: it is wiped first.
        """
        if is_technician_screen(self.screen):
            return
        if self.step is not Step.ATTRACT:
            self.end_session()
        open_technician_mode(self, self.station.technician, self.session.lang)

    # --- moving between steps ------------------------------------------------------

    def t(self, key: str, /, **values: object) -> str:
        """A message in the session's language."""
        return t(key, self.session.lang, **values)

    def goto(self, step: Step) -> None:
        """Show `step`'s screen in place of the current one (closing any dialog)."""
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.step = step
        self._last_input = time.monotonic()
        self.switch_screen(SCREENS[step]())

    def advance(self) -> None:
        """Go to the first step whose work is not done."""
        self.goto(next_step(self.session))

    def back(self) -> None:
        """Go one step back (undoing that step's decision)."""
        self.goto(previous_step(self.step, self.session))

    def end_session(self) -> None:
        """Forget the citizen and show the attract screen; ask them to take their card first.

        With the card still on the reader the "take your card" dialog (and the originals,
        when documents were captured) stays over the attract screen until it is taken, so
        the next citizen cannot start on it (issue 15, finding 1).
        """
        lang, originals = self.session.lang, self.originals or bool(self.session.pages)
        self.session.wipe()
        self.receipt = None
        self.originals = False
        self.theme = self.base_theme
        self.goto(Step.ATTRACT)
        self.check_devices()
        if self.card_on_reader:
            self.push_screen(TakeCardScreen(lang, originals=originals))

    def ask_to_end_session(self) -> None:
        """Cancel during a session: asked once more, since it throws everything away."""

        def answered(leave: bool | None) -> None:
            if leave:
                self.end_session()

        self.push_screen(AskScreen("cancel.question", self.session.lang), answered)

    def switch_language(self, lang: Lang) -> None:
        """Another language at any step: the step is shown again in it, the session kept."""
        self.session.lang = lang
        self.goto(self.step)

    def toggle_contrast(self) -> None:
        """The high-contrast theme on or off, until the session ends."""
        self.session.high_contrast = not self.session.high_contrast
        self.theme = HIGH_CONTRAST if self.session.high_contrast else self.base_theme

    def call_for_help(self) -> None:
        """Show the hotline large and tell the staff: kind, step and time, no personal data."""
        if not any(isinstance(screen, HelpScreen) for screen in self.screen_stack):
            self.push_screen(HelpScreen(self.station.info.hotline, self.session.lang))
        self.send_help_request(HelpRequest("citizen", self.step.value, dt.datetime.now(dt.UTC)))

    @work(thread=True, exit_on_error=False, name="help_request", group="help")
    def send_help_request(self, request: HelpRequest) -> None:
        if self.station.help_requests is not None:
            self.station.help_requests(request)

    def _card_taken(self) -> None:
        """The card is off the reader: close "take your card", then look for a card left on
        another reader of a composite reader (its own insert event came while we waited)."""
        if isinstance(self.screen, TakeCardScreen):  # it has no buttons: nothing opens over it
            self.pop_screen()
        if self.step is Step.ATTRACT:
            self.look_for_card()

    @work(thread=True, exit_on_error=False, name="look_for_card", group="card", exclusive=True)
    def look_for_card(self) -> bool:
        return self.station.card.card_present()

    @work(thread=True, exit_on_error=False, name="check_devices", group="devices", exclusive=True)
    def check_devices(self) -> None:
        """The station just became idle: learn each device's state (paper out, cover open)
        now, so the attract screen tells the next citizen before they start, not after."""
        self.station.check_devices()

    # --- session safety ------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.step in _NOT_IDLE_STEPS:
            return
        settings = self.station.session
        timeout = settings.idle_timeout_for(self.session.elderly)
        idle = time.monotonic() - self._last_input
        remaining = timeout + settings.warning_s - idle
        if remaining <= 0:
            self.end_session()
            return
        base = next(s for s in reversed(self.screen_stack) if not isinstance(s, ModalScreen))
        for banner in base.query(IdleBanner):
            banner.countdown(remaining if idle >= timeout else None)

    # --- card reader ---------------------------------------------------------------

    def on_card_changed(self, message: CardChanged) -> None:
        if is_technician_screen(self.screen):  # a badge tap at the technician login
            self.screen.post_message(CardChanged(message.event))
            return
        kind = message.event.kind
        if kind is CardEventKind.INSERTED:
            self.card_on_reader = True
            if any(isinstance(screen, TakeCardScreen) for screen in self.screen_stack):
                return  # the previous citizen's card is still there: read once it is taken
            self._start_reading()
        elif kind in (CardEventKind.REMOVED, CardEventKind.READER_REMOVED):
            self.card_on_reader = False
            self._card_taken()
            self._close_mrz_dialog()  # the document it asks about is gone
            if self.step in SESSION_STEPS and self.session.identity and self.station.session.end_on_card_removal:
                self.end_session()

    def _start_reading(self) -> None:
        if self.step not in (Step.ATTRACT, Step.IDENTIFY):
            return
        if self.step is Step.ATTRACT:
            self.goto(Step.IDENTIFY)
        self.call_after_refresh(self._post_to_screen, CardReading())
        self.read_card()

    @work(thread=True, exit_on_error=False, name="read_card", group="card", exclusive=True)
    def read_card(self) -> Identity:
        return self.station.card.read_identity()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "look_for_card" and event.state is WorkerState.SUCCESS and worker.result:
            self.card_on_reader = True
            self._start_reading()
            return
        if worker.name != "read_card" or self.step is not Step.IDENTIFY:
            return
        if event.state is WorkerState.SUCCESS:
            self._identified(worker.result)
        elif event.state is WorkerState.ERROR and isinstance(worker.error, MrzRequired):
            self._ask_mrz()
        elif event.state is WorkerState.ERROR:
            self._post_to_screen(CardReadFailed(_card_error_key(worker.error)))

    def _identified(self, identity: Identity | None) -> None:
        """A document was read: a citizen's goes on to the confirm step, others are refused."""
        if identity is None or identity.kind not in CITIZEN_DOCUMENTS:
            self._post_to_screen(CardReadFailed("identify.error.rejected"))
            return
        self.session.identity = identity
        self.advance()

    def _ask_mrz(self) -> None:
        """A passport or travel permit: its chip needs the MRZ key, read by the camera or typed."""
        if not any(isinstance(screen, MrzScreen) for screen in self.screen_stack):
            reader = self.station.mrz_reader  # with it, the document camera reads the MRZ first
            camera = self.station.camera if reader is not None else None
            dialog = MrzScreen(self.station.card.read_identity, self.session.lang, camera=camera, reader=reader)
            self.push_screen(dialog, self._mrz_done)

    def _mrz_done(self, outcome: MrzOutcome) -> None:
        if self.step is not Step.IDENTIFY:
            return
        if isinstance(outcome, Identity):
            self._identified(outcome)
        elif outcome is None:  # cancelled, or the document left the reader
            self._post_to_screen(CardReadFailed("identify.mrz_cancelled"))
        else:  # too many refused keys, or the read failed otherwise
            self._post_to_screen(CardReadFailed(_card_error_key(outcome)))

    def _close_mrz_dialog(self) -> None:
        """Close the MRZ dialog (and a keypad over it), as if cancelled."""
        dialogs = [screen for screen in self.screen_stack if isinstance(screen, MrzScreen)]
        if dialogs:
            while self.screen is not dialogs[0]:
                self.pop_screen()
            dialogs[0].dismiss(None)

    def _post_to_screen(self, message: CardReading | CardReadFailed) -> None:
        screen: Screen = self.screen_stack[-1]
        screen.post_message(message)


def _card_error_key(error: BaseException | None) -> str:
    """The message key that tells a citizen what to do about a failed read."""
    if isinstance(error, AuthenticationFailed):
        return "identify.error.mrz"
    if isinstance(error, CardRejected):  # a badge, an expired or forged document
        return "identify.error.rejected"
    if isinstance(error, CardError):
        return "identify.error.read"
    if isinstance(error, DeviceError):
        return "identify.error.device"
    return "identify.error.read"
