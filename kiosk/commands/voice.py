"""`voice test`: speak one sentence through the configured speaker, as a technician checks it.

Without `--text` it says the station's own test sentence (`voice.test`) in `--lang`, so one
run per language checks that the Mandarin, Cantonese and English voices are installed and
heard. The speaker's health (espeak-ng, its voices, the player) is checked first and told
in one line; the sentence is still tried, so a technician hears whether a fix worked.
"""

from __future__ import annotations

import argparse
import sys
import time

from devices.errors import DeviceError
from kiosk.bootstrap import parts
from kiosk.domain.i18n_text import Lang
from kiosk.ui.i18n import t

TEXT_MAX = 500
#: Waiting for the sentence: its synthesis and playback bounds, plus this.
WAIT_SLACK_S = 2.0


def register(subparsers: argparse._SubParsersAction) -> None:
    voice = subparsers.add_parser("voice", help="voice guidance: speak a test sentence")
    commands = voice.add_subparsers(dest="voice_command", metavar="SUBCOMMAND", required=True)
    test = commands.add_parser("test", help="speak a test sentence through the configured speaker")
    test.add_argument("--lang", choices=[lang.value for lang in Lang], default=Lang.ZH_HANS.value, help="language (default zh-Hans)")
    test.add_argument("--text", type=spoken_text, help=f"what to say instead of the test sentence (at most {TEXT_MAX} characters)")
    test.set_defaults(func=_test)


def spoken_text(text: str) -> str:
    """Printable text of a sensible length (a sentence, not a file's worth)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("nothing to say: the text is empty")
    if len(text) > TEXT_MAX:
        raise argparse.ArgumentTypeError(f"at most {TEXT_MAX} characters")
    if not text.isprintable() or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise argparse.ArgumentTypeError("only printable text can be spoken")
    return text


def _test(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    speaker = parts.audio(config)
    try:
        try:
            print(f"{speaker.name}: {speaker.probe()}")
        except DeviceError as exc:  # said on stdout: the outcome below is the one error line
            print(f"{speaker.name}: degraded: {exc}")
        text = args.text or t("voice.test", Lang(args.lang))
        started = time.monotonic()
        speaker.say(text, args.lang)
        bound = config.audio.synth_timeout_s + config.audio.max_utterance_s + WAIT_SLACK_S
        finished = speaker.wait_idle(bound)
        state = speaker.state()
    except DeviceError as exc:
        print(f"voice test failed: {exc}", file=sys.stderr)
        return 1
    finally:
        speaker.close()
    if not finished:
        print(f"voice test failed: still speaking after {bound:g} s", file=sys.stderr)
        return 1
    if state.failed:
        print(f"voice test failed: {state.last_error}", file=sys.stderr)
        return 1
    print(f"spoke {len(text)} characters in {args.lang} ({time.monotonic() - started:.1f} s)")
    return 0
