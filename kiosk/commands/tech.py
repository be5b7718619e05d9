"""`run_kiosk.py tech ...`: make the hashes that go into the `[technician]` config section.

`tech hash-pin` reads the PIN twice without echo from a terminal (or once from stdin when
piped, for provisioning scripts) and prints the argon2id hash; `tech hash-badge UID` does
the same for a badge UID. The secrets themselves are never printed or stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.technician_auth import CredentialFormatError, hash_badge_uid, hash_pin

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    tech = subparsers.add_parser("tech", help="technician credentials (hashes for the [technician] section)")
    sub = tech.add_subparsers(dest="tech_command", metavar="ACTION", required=True)

    pin = sub.add_parser("hash-pin", help="read a PIN (twice, without echo) and print its argon2 hash")
    pin.set_defaults(func=_hash_pin)

    badge = sub.add_parser("hash-badge", help="print the argon2 hash of a badge UID (hex, e.g. 04A22B9C)")
    badge.add_argument("uid", nargs="?", help="badge UID; read from stdin when omitted")
    badge.set_defaults(func=_hash_badge)


def _read_pin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Technician PIN (6-16 digits): ")
        second = getpass.getpass("Repeat the PIN: ")
        if first != second:
            raise CredentialFormatError("the two PINs differ")
        return first
    return sys.stdin.readline().strip()


def _hash_pin(args: argparse.Namespace, load_config) -> int:
    try:
        print(hash_pin(_read_pin()))
    except CredentialFormatError as exc:
        print(f"tech hash-pin: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EOFError:
        print("tech hash-pin: no PIN given", file=sys.stderr)
        return EXIT_USAGE
    print('put it in config.toml: [technician] pin_hash = "<the line above>"', file=sys.stderr)
    return 0


def _hash_badge(args: argparse.Namespace, load_config) -> int:
    uid = args.uid if args.uid is not None else sys.stdin.readline().strip()
    try:
        print(hash_badge_uid(uid))
    except CredentialFormatError as exc:
        print(f"tech hash-badge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("add it to config.toml: [technician] badge_uid_hashes = [..., \"<the line above>\"]", file=sys.stderr)
    return 0
