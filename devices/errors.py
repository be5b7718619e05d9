"""One error hierarchy for every device kind.

Callers (the UI, the supervisor, the CLI) catch `DeviceError` and show `str(err)`; the
subclasses say *what kind* of trouble it is so a screen can pick the right guidance and
the supervisor the right device state. Messages never carry citizens' data.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every device failure. `str()` is a one-line, data-free reason."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the bounded time."""


class DeviceUnavailable(DeviceError):
    """The device is absent, unplugged, or its service (pcscd, camera) is down."""


class ProtocolError(DeviceError):
    """The device answered, but with bytes that do not follow its protocol."""


# --- card readers -------------------------------------------------------------------


class CardError(DeviceError):
    """Base for card-reader trouble."""


class NoCard(CardError):
    """No card is present on the reader."""


class CardRemoved(CardError):
    """The card left the reader during a read."""


class CardRejected(CardError):
    """The card answered but its data is invalid (bad check character, expired, wrong MRZ)."""


class AuthenticationFailed(CardError):
    """The chip refused access (BAC/PACE failed: the MRZ data does not match)."""


class MrzRequired(AuthenticationFailed):
    """The document is an ICAO one (passport, travel permit) read without its MRZ key.

    Its chip opens only with the document number, birth date and expiry printed on it:
    the caller asks the citizen for them and reads again with a `MrzKey`. A subclass of
    AuthenticationFailed, because without the key the chip does refuse access.
    """


# --- camera --------------------------------------------------------------------------


class CameraError(DeviceError):
    """Base for camera trouble."""


class CameraLost(CameraError, DeviceUnavailable):
    """The camera stopped delivering frames (unplugged, stream ended)."""


# --- printer -------------------------------------------------------------------------


class PrinterError(DeviceError):
    """Base for receipt-printer trouble."""


class PaperOut(PrinterError):
    """The paper roll is empty."""


class CoverOpen(PrinterError):
    """The printer cover is open."""


class PrinterOffline(PrinterError, DeviceUnavailable):
    """The printer does not answer (power, cable, network)."""


class PrinterTimeout(PrinterOffline, DeviceTimeout):
    """The printer stopped answering or accepting data within the bounded time."""


class FontNotFound(PrinterError):
    """No CJK font on this station, so a raster job cannot be drawn.

    The printer itself may be fine: the station lacks the font package. A `PrinterError`
    all the same, because what the caller must do is the same as for a printer that
    cannot print: show the receipt number on screen and tell the technician.
    """


# --- face check ----------------------------------------------------------------------


class FaceError(DeviceError):
    """Base for face-check trouble (the face camera itself reports CameraError)."""


class FaceCheckUnavailable(FaceError, DeviceUnavailable):
    """The face check cannot run on this station: a CPU without AVX, or its models missing.

    The message names the reason, so that `doctor` and the supervisor can tell a
    technician why the services needing a face check are not offered.
    """


class ReferencePhotoUnusable(FaceError):
    """The document's photo cannot serve as the reference: undecodable, or not one face."""


# --- MRZ by camera -------------------------------------------------------------------


class MrzUnreadable(CameraError):
    """No machine-readable zone could be read (and checked) on the images given."""


# --- audio ---------------------------------------------------------------------------


class AudioError(DeviceError):
    """Base for voice-guidance trouble. A station without a voice still serves everyone."""


class UnsupportedLanguage(AudioError, ValueError):
    """No voice is configured for the language asked for (a station's config, not a citizen's fault)."""


class SpeechUnavailable(AudioError, DeviceUnavailable):
    """The speech synthesiser (espeak-ng) or one of its voices is missing or fails."""


class NoAudioOutput(AudioError, DeviceUnavailable):
    """Nothing can make the speech heard: no player program, or the player cannot open the output."""


class AudioTimeout(AudioError, DeviceTimeout):
    """Synthesising or playing one utterance took longer than its bound."""
