"""`run_kiosk.py audit verify|list`: check and read the technician/admin audit trail.

`verify` exits 1 naming the first bad record when any record was edited, removed or
reordered (or the newest ones cut off); with `--platform` it also asks the platform for every
audit head the station's heartbeats reported (SERVICE_API 1.1) and fails when the local chain
no longer holds each one: a trail rewritten consistently on the station, hashes and head file
included, is caught there. `list` prints records, which by construction hold no personal data.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

from kiosk.bootstrap.sync import service_client
from kiosk.commands.argtypes import whole
from offline_queue.audit import AuditError, AuditTrail, verify_database
from offline_queue.audit_anchor import platform_heads

EXIT_TAMPERED = 1
EXIT_USAGE = 2
MAX_LIST = 100_000


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="verify or list the hash-chained audit trail")
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = sub.add_parser("verify", help="check every record's hash and the chain; exit 1 at the first bad one")
    verify.add_argument("--db", metavar="PATH", help="audit database (default: [audit] db_path of the config)")
    verify.add_argument(
        "--expect-head", metavar="SEQ:HASH", help="the last record the platform received, to catch truncation"
    )
    verify.add_argument(
        "--platform", action="store_true",
        help="also check every audit head the platform received from this station ([sync] settings)",
    )
    verify.set_defaults(func=_verify)

    listing = sub.add_parser("list", help="print the newest records (no personal data)")
    listing.add_argument("--db", metavar="PATH", help="audit database (default: [audit] db_path of the config)")
    listing.add_argument("--limit", type=whole(1, MAX_LIST), default=50, help=f"how many records (default 50, at most {MAX_LIST})")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=_list)


def _db_path(args: argparse.Namespace, load_config) -> Path:
    if args.db:
        return Path(args.db)
    config = load_config()
    return config.resolve(Path(config.audit.db_path))


def _parse_head(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or int(seq) < 1 or len(digest) != 64:
        raise AuditError("--expect-head is SEQ:HASH (seq from 1, 64 hex digits)")
    return int(seq), digest.lower()


def _verify(args: argparse.Namespace, load_config) -> int:
    try:
        heads = platform_heads(service_client(load_config())) if args.platform else []
        result = verify_database(_db_path(args, load_config), _parse_head(args.expect_head), heads)
    except AuditError as exc:
        print(f"audit verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if result.ok:
        anchored = f", holds all {len(heads)} heads the platform received" if args.platform else ""
        print(f"ok: {result.count} records, chain intact{anchored}")
        return 0
    print(f"TAMPERED at record {result.bad_seq}: {result.reason}", file=sys.stderr)
    return EXIT_TAMPERED


def _list(args: argparse.Namespace, load_config) -> int:
    path = _db_path(args, load_config)
    if not path.exists():
        print(f"audit list: {path}: no audit database", file=sys.stderr)
        return EXIT_USAGE
    try:
        with AuditTrail(path) as trail:
            records = list(reversed(trail.recent(args.limit)))
    except (AuditError, OSError, sqlite3.Error) as exc:
        print(f"audit list: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for record in records:
        if args.json:
            print(json.dumps(record.as_dict(), ensure_ascii=False, sort_keys=True))
        else:
            detail = " ".join(f"{k}={v}" for k, v in sorted(record.detail.items()))
            print(f"{record.seq:6d} {record.time} {record.actor:<10} {record.action:<16} {detail}")
    return 0
