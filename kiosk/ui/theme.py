"""The station's themes: the usual one and a high-contrast one anybody can switch to.

Every text/background pair the screens use meets WCAG 2.1 AA (4.5:1) in both themes;
`tests/tui/test_contrast.py` measures them on the rendered screens.
"""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

HIGH_CONTRAST = "kiosk-high-contrast"

#: Black ground, white text, pure yellow/cyan accents: well above 7:1 everywhere.
HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    success="#00FF00",
    warning="#FFBF00",
    error="#FF6060",
    boost="#FFFFFF",
    dark=True,
    variables={
        "text-muted": "#FFFFFF",
        "text-disabled": "#D0D0D0",
        "button-foreground": "#000000",
        "button-color-foreground": "#000000",
        "footer-background": "#000000",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFF00",
        "input-selection-background": "#FFFF00 40%",
    },
)


def register_themes(app: App[object]) -> str:
    """Register the high-contrast theme; answer the usual theme's name (to return to)."""
    app.register_theme(HIGH_CONTRAST_THEME)
    return app.theme
