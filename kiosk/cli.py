"""Command line: `run_kiosk.py COMMAND ...` for the station, its daemon, technicians and admins.

Each top-level command lives in `kiosk/commands/<name>.py` with a `register(subparsers)`
function; its handler is `func(args, load_config) -> int`. Configuration is loaded lazily
(`load_config()`), so commands that need none (`catalog keygen`) work without a file, and
a bad file gives one line and exit code 2 instead of a traceback.

`main` is the one guard around every command (README, "Commands"): a closed stdout (`| head -1`)
ends the command quietly with 141, as a shell reports any tool stopped by SIGPIPE; a config
error is one line and 2; anything else that escapes a command is one line naming the command
and the exception type, and 70 (EX_SOFTWARE). Nothing is logged on the way.
"""

from __future__ import annotations

import argparse
import importlib
import os
import select
import sys
from collections.abc import Callable, Sequence

from kiosk.config import Config, ConfigError, config_path, load_config

#: Top-level commands, in the order `--help` lists them.
COMMANDS = (
    "station", "sync", "queue", "card", "doc", "face", "printer", "receipt", "catalog", "hub", "tech", "audit", "voice",
)

EXIT_CONFIG = 2
EXIT_SOFTWARE = 70  # sysexits.h EX_SOFTWARE: a command failed in a way nobody handled
EXIT_CLOSED_PIPE = 128 + 13  # SIGPIPE, what `set -o pipefail` sees from `cat` in the same place
EXIT_INTERRUPTED = 130
PROG = "run_kiosk.py"
_MESSAGE_MAX = 300


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Unattended government self-service station.")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $KIOSK_CONFIG or ./config.toml)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"kiosk.commands.{name}").register(subparsers)
    for words, leaf in command_parsers(parser).items():
        leaf.set_defaults(command_words=words)
    return parser


def command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every runnable command by its words ("queue send-test"), walked from the argparse tree
    itself, so that a newly registered command cannot be missed by what iterates over them."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(node: argparse.ArgumentParser, words: tuple[str, ...]) -> None:
        children = [a for a in node._actions if isinstance(a, argparse._SubParsersAction)]
        if not children:
            found[" ".join(words)] = node
        for action in children:
            for name, child in action.choices.items():
                walk(child, (*words, name))

    walk(parser, ())
    return found


def main(argv: Sequence[str] | None = None) -> int:
    _never_fail_on_unencodable_output()
    try:
        return _run(argv)
    except BrokenPipeError:  # stdout's (see _run), also while argparse prints --help
        _stdout_to_devnull()
        return EXIT_CLOSED_PIPE


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)

    def load() -> Config:
        return load_config(config_path(args.config))

    handler: Callable[[argparse.Namespace, Callable[[], Config]], int] = args.func
    try:
        code = handler(args, load)
        sys.stdout.flush()  # a closed pipe shows here, inside the guard, not at interpreter exit
        return code
    except BrokenPipeError as exc:
        if _stdout_closed():
            raise
        return _escaped(args.command_words, exc)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # the guard: one line instead of a traceback
        return _escaped(args.command_words, exc)


def _escaped(command: str, exc: Exception) -> int:
    """One line on stderr for an exception no command handled: type and message, never a trace."""
    message = " ".join(str(exc).split())
    if len(message) > _MESSAGE_MAX:
        message = message[: _MESSAGE_MAX - 3] + "..."
    line = f"{PROG}: {command}: {type(exc).__name__}"
    print(f"{line}: {message}" if message else line, file=sys.stderr)
    return EXIT_SOFTWARE


def _never_fail_on_unencodable_output() -> None:
    """A file name that is not valid UTF-8 is printed with escapes instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _stdout_closed() -> bool:
    """True when the BrokenPipeError was stdout's: nobody reads the pipe any more.

    A printer's socket can break a pipe too; that one is a failure of the command, not a reader
    that had enough.
    """
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        return False


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of buffered output is silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
