"""`hub`: run the reference service platform (hub/) on this machine.

The hub keeps its keys, tokens and database in `--data DIR` (created on first start, see
`hub.settings`). `--station KIOSK_ID` prints what that station needs to talk to the hub
(token, sealing public key and key id, trusted catalog keys) as JSON and exits;
`--publish-catalog FILE` signs a catalog payload as the demo admin and publishes it (see
docs/hub.md). It needs no station config.
"""

from __future__ import annotations

import argparse

from hub import cli


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hub", help="reference service platform (submissions, catalogs, heartbeats)")
    cli.add_arguments(parser)
    parser.set_defaults(func=_hub)


def _hub(args: argparse.Namespace, load_config) -> int:
    return cli.run(args)
