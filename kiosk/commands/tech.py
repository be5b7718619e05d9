"""`run_kiosk.py tech ...`: make the hashes that go into the `[technician]` config section.

`tech hash-pin` reads the PIN twice without echo from a terminal (or once from stdin when
piped, for provisioning scripts) and prints the argon2id hash; `tech hash-badge UID` does
the same for a badge UID, `tech hash-badge --from-reader` for the badge tapped on the
station's reader. The secrets themselves are never printed or stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from devices.errors import DeviceError, DeviceTimeout, NoCard
from kiosk.bootstrap import parts
from kiosk.commands.argtypes import seconds
from kiosk.technician.credentials import CredentialFormatError, hash_badge_uid, hash_pin

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    tech = subparsers.add_parser("tech", help="technician credentials (hashes for the [technician] section)")
    sub = tech.add_subparsers(dest="tech_command", metavar="ACTION", required=True)

    pin = sub.add_parser("hash-pin", help="read a PIN (twice, without echo) and print its argon2 hash")
    pin.set_defaults(func=_hash_pin)

    badge = sub.add_parser("hash-badge", help="print the argon2 hash of a badge UID (hex, e.g. 04A22B9C)")
    source = badge.add_mutually_exclusive_group()
    source.add_argument("uid", nargs="?", help="badge UID; read from stdin when omitted")
    source.add_argument(
        "--from-reader", action="store_true", help="read the badge on the [card] reader (the UID is not shown)"
    )
    badge.add_argument(
        "--wait", type=seconds(0, 600), default=15.0, metavar="S", help="with --from-reader: wait this long for a badge"
    )
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


def _badge_from_reader(config, wait_s: float) -> str:
    """The UID of the badge on the configured reader, waiting up to `wait_s` for one."""
    reader = parts.card_reader(config)
    deadline = time.monotonic() + wait_s
    print(f"tap the badge on the reader (waiting {wait_s:g} s)", file=sys.stderr)
    while True:
        try:
            return reader.read_badge().uid
        except NoCard:
            if time.monotonic() > deadline:
                raise DeviceTimeout(f"no badge on the reader within {wait_s:g} s") from None
            time.sleep(0.2)


def _hash_badge(args: argparse.Namespace, load_config) -> int:
    try:
        if args.from_reader:
            uid = _badge_from_reader(load_config(), args.wait)
        else:
            uid = args.uid if args.uid is not None else sys.stdin.readline().strip()
        print(hash_badge_uid(uid))
    except (CredentialFormatError, DeviceError) as exc:
        print(f"tech hash-badge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("add it to config.toml: [technician] badge_uid_hashes = [..., \"<the line above>\"]", file=sys.stderr)
    return 0
