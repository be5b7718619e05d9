"""Command line: `run_kiosk.py COMMAND ...` for the station, its daemon, technicians and admins.

Each top-level command lives in `kiosk/commands/<name>.py` with a `register(subparsers)`
function; its handler is `func(args, load_config) -> int`. Configuration is loaded lazily
(`load_config()`), so commands that need none (`catalog keygen`) work without a file, and
a bad file gives one line and exit code 2 instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from kiosk.config import Config, ConfigError, config_path, load_config

#: Top-level commands, in the order `--help` lists them.
COMMANDS = ("station", "sync", "queue", "card", "doc", "printer", "receipt", "catalog", "hub", "tech", "audit")

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_kiosk.py",
        description="Unattended government self-service station.",
    )
    parser.add_argument("--config", metavar="PATH", help="config file (default: $KIOSK_CONFIG or ./config.toml)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"kiosk.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    def load() -> Config:
        return load_config(config_path(args.config))

    handler: Callable[[argparse.Namespace, Callable[[], Config]], int] = args.func
    try:
        return handler(args, load)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
