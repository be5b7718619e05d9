"""What the station says aloud, and in which words (voice guidance).

Each step has its own spoken instruction, `voice.<step>` in the message catalogs: shorter
and plainer than the screen's text, and never anything read from a card or typed in a
form, so no personal data can be spoken. Error messages are spoken as the screen shows
them, since they are already whole plain sentences; a form field's error is only a word
or two beside the field ("Required"), so any of them is spoken as one sentence that asks
the citizen to check the marked fields.
"""

from __future__ import annotations

from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import catalog

#: Message keys (or key prefixes, ending in ".") of the errors spoken as shown.
SPOKEN_ERRORS = (
    "identify.error.",
    "identify.mrz_cancelled",
    "submit.error.",
    "capture.camera_lost",
    "done.print_error.",
)
#: Every form field error is spoken as this one sentence.
FIELD_ERRORS, FIELD_ERROR_SPOKEN = "form.error.", "voice.form_error"


def spoken_error_key(key: str) -> str | None:
    """The message key to speak when the screen shows error `key`; None: `key` is no error."""
    if key.startswith(FIELD_ERRORS):
        return FIELD_ERROR_SPOKEN
    if any(key == spoken or (spoken.endswith(".") and key.startswith(spoken)) for spoken in SPOKEN_ERRORS):
        return key
    return None


def instruction_key(step: str) -> str:
    """The spoken instruction of a citizen step."""
    return f"voice.{step}"


def spoken_messages(lang: Lang) -> dict[str, str]:
    """Every sentence the station may say in `lang`, by message key (the voice tests speak them all)."""
    messages = catalog(lang)
    return {
        key: text
        for key, text in messages.items()
        if (key.startswith("voice.") and not key.startswith("voice.toggle.")) or spoken_error_key(key) == key
    }
