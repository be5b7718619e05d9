"""The hub's command line, shared by `python -m hub` and `run_kiosk.py hub`.

Besides serving, it answers for the hub's data directory so that nobody else reads its files:
`--station ID` issues that station a new token and prints what it needs (the token is shown
this once; the hub keeps only its digest), `--revoke ID` forgets a kiosk's token (a running
hub refuses it at its next request), `--publish-catalog FILE` signs a catalog payload
with the demo admin's key and publishes it straight into the hub's database (the running hub
serves it at the next pull; both engines serialise the two processes' writes).
`--database postgresql://...` puts the hub's tables on a PostgreSQL server (a fleet) instead
of the SQLite file in the data directory; keys, tokens and attachment files stay there.
FastAPI and uvicorn are imported only when the hub actually runs, so that registering this
command costs the station's CLI nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.settings import HubSettings

DEFAULT_KIOSK_IDS = ("GZ-HZ-0001",)
#: `--publish-catalog` exit status when the hub already has this version or a newer one.
EXIT_NOT_NEWER = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8700, help="port (default: 8700; 0 = a free one)")
    parser.add_argument("--data", type=Path, default=Path("var/hub"), help="keys, tokens and database (default: var/hub)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql://... to keep the hub's tables on PostgreSQL (default: hub.json's, a SQLite file in --data)",
    )
    parser.add_argument(
        "--kiosk",
        action="append",
        metavar="KIOSK_ID",
        help=f"kiosk ids to issue tokens for on first start (default: {', '.join(DEFAULT_KIOSK_IDS)})",
    )
    once = parser.add_mutually_exclusive_group()
    once.add_argument(
        "--station",
        metavar="KIOSK_ID",
        help="issue this station a new token (the previous one stops working), print its connection settings as "
        "JSON and exit",
    )
    once.add_argument("--revoke", metavar="KIOSK_ID", help="revoke this kiosk's token (counts at once) and exit")
    once.add_argument(
        "--publish-catalog",
        metavar="FILE",
        help="sign this catalog payload (JSON; - for stdin) with the demo admin key, publish it, print one JSON "
        f"line and exit (exit {EXIT_NOT_NEWER}: the hub already has this version or a newer one)",
    )
    parser.add_argument("--region", help="with --publish-catalog: publish for this region (replaces the payload's)")


def _port(text: str) -> int:
    """A TCP port, 0 to 65535: anything else is an argparse error, not a traceback from bind()."""
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return int(text)


def run(args: argparse.Namespace) -> int:
    """Start (or just describe) the hub for `args`; one line on stderr and 1 on failure."""
    from pydantic import ValidationError

    from hub.settings import issue_token, load_or_init, revoke, station_view

    try:
        settings = load_or_init(args.data, kiosk_ids=tuple(args.kiosk or DEFAULT_KIOSK_IDS))
    except (OSError, ValidationError, ValueError) as exc:
        print(f"hub: cannot use data directory {args.data}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    kiosk_id = args.station or args.revoke
    if kiosk_id:
        try:
            token = issue_token(args.data, kiosk_id) if args.station else None
            if args.revoke:
                revoke(args.data, kiosk_id)
        except KeyError:
            print(f"hub: no kiosk {kiosk_id} in {args.data}/hub.json", file=sys.stderr)
            return 1
        except (OSError, ValidationError, ValueError) as exc:
            print(f"hub: cannot update {args.data}/hub.json: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 1
        if token is None:
            print(f"hub: token of kiosk {kiosk_id} revoked")
        else:
            print(json.dumps(station_view(settings, kiosk_id, token), indent=2))
        return 0
    if args.region is not None and args.publish_catalog is None:
        print("hub: --region goes with --publish-catalog", file=sys.stderr)
        return 1
    if args.publish_catalog is not None:
        return _publish_catalog(settings, args.data, args.publish_catalog, args.region, args.database)
    from hub.server import app_from_settings, serve

    from hub.database import DATABASE_ERRORS

    try:
        app = app_from_settings(settings, args.data, args.database)
    except (OSError, ValueError, *DATABASE_ERRORS) as exc:
        print(f"hub: cannot open the database: {_one_line(exc)}", file=sys.stderr)
        return 1
    try:
        serve(app, args.host, args.port)
    except OSError as exc:
        print(f"hub: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _publish_catalog(
    settings: HubSettings, data_dir: Path, source: str, region: str | None, database: str | None
) -> int:
    from hub.database import DATABASE_ERRORS
    from hub.service import HubService
    from hub.settings import database_location, demo_signing_key
    from hub.store import HubStore
    from offline_queue.catalog_bundle import sign_bundle

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        payload = json.loads(text)
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        if region is not None:
            payload["region"] = region
        bundle = sign_bundle(payload, *demo_signing_key(data_dir))
    except (OSError, ValueError, KeyError) as exc:  # UnicodeError is a ValueError
        print(f"hub: cannot publish {source}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    location, attachments_dir = database_location(settings, data_dir, database)
    try:
        store = HubStore.open(location, attachments_dir=attachments_dir, durable=settings.durable)
        service = HubService(
            store,
            private_key_b64=settings.sealing_private_key,
            catalog_keys=settings.catalog_keys,
            sealing_key_id=settings.sealing_key_id,
        )
        try:
            status, body = service.publish(str(payload.get("region", "")), bundle)
        finally:
            service.close()
    except (OSError, ValueError, *DATABASE_ERRORS) as exc:
        print(f"hub: cannot publish into the hub's database: {_one_line(exc)}", file=sys.stderr)
        return 1
    if status == 400:
        print(f"hub: catalog refused: {body['error']}: {body['message']}", file=sys.stderr)
        return 1
    print(json.dumps(body))
    return 0 if status == 201 else EXIT_NOT_NEWER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub", description="Reference service platform.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
