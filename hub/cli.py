"""The hub's command line, shared by `python -m hub` and `run_kiosk.py hub`.

FastAPI and uvicorn are imported only when the hub actually runs, so that registering this
command costs the station's CLI nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_KIOSK_IDS = ("GZ-HZ-0001",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8700, help="port (default: 8700; 0 = a free one)")
    parser.add_argument("--data", type=Path, default=Path("var/hub"), help="keys, tokens and database (default: var/hub)")
    parser.add_argument(
        "--kiosk",
        action="append",
        metavar="KIOSK_ID",
        help=f"kiosk ids to issue tokens for on first start (default: {', '.join(DEFAULT_KIOSK_IDS)})",
    )
    parser.add_argument("--station", metavar="KIOSK_ID", help="print this station's connection settings as JSON and exit")


def run(args: argparse.Namespace) -> int:
    """Start (or just describe) the hub for `args`; one line on stderr and 1 on failure."""
    from pydantic import ValidationError

    from hub.server import app_from_settings, serve
    from hub.settings import load_or_init, station_view

    try:
        settings = load_or_init(args.data, kiosk_ids=tuple(args.kiosk or DEFAULT_KIOSK_IDS))
    except (OSError, ValidationError, ValueError) as exc:
        print(f"hub: cannot use data directory {args.data}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if args.station:
        if args.station not in settings.kiosk_tokens:
            print(f"hub: no token for kiosk {args.station} in {args.data}/hub.json", file=sys.stderr)
            return 1
        print(json.dumps(station_view(settings, args.station), indent=2))
        return 0
    try:
        serve(app_from_settings(settings, args.data), args.host, args.port)
    except OSError as exc:
        print(f"hub: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub", description="Reference service platform.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
