"""`printer status` and `printer test`: what a technician runs at the station."""

from __future__ import annotations

import argparse
import sys

from devices.errors import DeviceError
from devices.printer.factory import build_printer
from devices.printer.self_test import print_self_test


def register(subparsers: argparse._SubParsersAction) -> None:
    printer = subparsers.add_parser("printer", help="receipt printer: status, test page")
    commands = printer.add_subparsers(dest="printer_command", metavar="SUBCOMMAND", required=True)
    status = commands.add_parser("status", help="query DLE EOT status; exit 0 when a session may start")
    status.set_defaults(func=_status)
    test = commands.add_parser("test", help="print a test page (both scripts, sizes, QR, cut)")
    test.set_defaults(func=_test)


def _status(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    printer = build_printer(config.printer)
    status = printer.status()
    ready = config.printer.ready_for_session(status)
    print(f"{printer.name}: {status.state.value}, paper {status.paper.value}: {status.detail}")
    if not ready:
        print(f"printer not ready for a session ({status.state.value})", file=sys.stderr)
    return 0 if ready else 1


def _test(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    printer = build_printer(config.printer)
    try:
        sent = print_self_test(printer, config.station.name)
    except DeviceError as exc:
        print(f"test page not printed: {exc}", file=sys.stderr)
        return 1
    print(f"test page sent to {printer.name} ({sent} bytes)")
    return 0
