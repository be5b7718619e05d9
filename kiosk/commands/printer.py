"""`printer status` and `printer test`: what a technician runs at the station.

`printer test` is the technician tool of the touch screen (the one test page,
`devices.printer.self_test`), run as the console's user and recorded on the audit trail.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.bootstrap import parts
from kiosk.bootstrap.technician import console_technician


def register(subparsers: argparse._SubParsersAction) -> None:
    printer = subparsers.add_parser("printer", help="receipt printer: status, test page")
    commands = printer.add_subparsers(dest="printer_command", metavar="SUBCOMMAND", required=True)
    status = commands.add_parser("status", help="query DLE EOT status; exit 0 when a session may start")
    status.set_defaults(func=_status)
    test = commands.add_parser("test", help="print a test page (both scripts, sizes, QR, cut)")
    test.set_defaults(func=_test)


def _status(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    printer = parts.printer(config)
    status = printer.status()
    ready = config.printer.ready_for_session(status)
    print(f"{printer.name}: {status.state.value}, paper {status.paper.value}: {status.detail}")
    if not ready:
        print(f"printer not ready for a session ({status.state.value})", file=sys.stderr)
    return 0 if ready else 1


def _test(args: argparse.Namespace, load_config) -> int:
    with console_technician(load_config()) as ops:
        outcome = ops.test_printer()
    if not outcome.ok:
        print(f"test page not printed: {outcome.detail}", file=sys.stderr)
        return 1
    print(f"test page sent to {ops.printer.name}")
    return 0
