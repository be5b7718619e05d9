"""Technician mode: login (badge or PIN), devices, queue, catalog, recent events, leave.

The citizen app opens it with `open_technician_mode(app, ops, lang)`; while a technician
screen is on top, `is_technician_screen(app.screen)` tells the app to hand card events to
it instead of starting a citizen session.
"""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen

from kiosk.domain.i18n_text import Lang
from kiosk.technician.ops import TechnicianOps
from kiosk.ui.technician.base import TechnicianScreen
from kiosk.ui.technician.login import TechnicianLoginScreen
from kiosk.ui.technician.screens import SCREENS, DevicesScreen

__all__ = ["TechnicianLoginScreen", "TechnicianScreen", "SCREENS", "is_technician_screen", "open_technician_mode"]


def is_technician_screen(screen: Screen) -> bool:
    return bool(getattr(screen, "TECHNICIAN_MODE", False))


def open_technician_mode(app: App, ops: TechnicianOps, lang: Lang) -> None:
    """Ask for a badge or PIN; on success show the devices screen."""
    if is_technician_screen(app.screen):
        return

    def logged_in(ok: bool | None) -> None:
        if ok:
            app.push_screen(DevicesScreen(ops, lang))

    app.push_screen(TechnicianLoginScreen(ops, lang), logged_in)
