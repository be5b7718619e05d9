"""`hub`: run the reference service platform (hub/) on this machine.

The hub keeps its keys, tokens and database in `--data DIR` (created on first start, see
`hub.settings`). `--station KIOSK_ID` prints what that station needs to talk to the hub
(token, sealing public key and key id, trusted catalog keys) as JSON and exits. It needs no
station config.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_KIOSK_IDS = ("GZ-HZ-0001",)


def register(subparsers: argparse._SubParsersAction) -> None:
    hub = subparsers.add_parser("hub", help="reference service platform (submissions, catalogs, heartbeats)")
    hub.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    hub.add_argument("--port", type=int, default=8700, help="port (default: 8700; 0 = a free one)")
    hub.add_argument("--data", type=Path, default=Path("var/hub"), help="keys, tokens and database (default: var/hub)")
    hub.add_argument(
        "--kiosk",
        action="append",
        metavar="KIOSK_ID",
        help=f"kiosk ids to issue tokens for on first start (default: {', '.join(DEFAULT_KIOSK_IDS)})",
    )
    hub.add_argument("--station", metavar="KIOSK_ID", help="print this station's connection settings as JSON and exit")
    hub.set_defaults(func=_hub)


def _hub(args: argparse.Namespace, load_config) -> int:
    # Imported here: FastAPI and uvicorn (the `hub` extra) load only for this command.
    from pydantic import ValidationError

    from hub.server import app_from_settings, serve
    from hub.settings import load_or_init, station_view

    try:
        settings = load_or_init(args.data, kiosk_ids=tuple(args.kiosk or DEFAULT_KIOSK_IDS))
    except (OSError, ValidationError, ValueError) as exc:
        print(f"hub: cannot use data directory {args.data}: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
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
