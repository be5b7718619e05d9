"""`run_kiosk.py sync [--once]`: the sync daemon (see docs/queue.md)."""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from kiosk.bootstrap.sync import build_sync_daemon
from kiosk.config import require_secrets
from offline_queue.api import QueueError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="deliver queued submissions, pull signed catalogs, send heartbeats (daemon)",
        description="Runs until SIGTERM (the current request finishes first). "
        "--once delivers until nothing is due, pulls the catalog, sends one heartbeat and "
        "prints a one-line summary; exit 1 if the platform refused the credentials.",
    )
    parser.add_argument("--once", action="store_true", help="one pass, then a one-line summary")
    parser.set_defaults(func=_sync)


def _sync(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    require_secrets(config, "sync.token")  # the platform answers nothing else
    logging.basicConfig(  # force: an imported library may have configured the root logger first
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    try:
        daemon = build_sync_daemon(config)
    except QueueError as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:
        print(f"sync: audit trail {config.audit.db_path}: {exc}", file=sys.stderr)
        return 1
    daemon.install_signal_handlers()
    return daemon.run_once() if args.once else daemon.run()
