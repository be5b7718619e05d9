"""`run`, `demo` and `doctor`: the station itself and its self-check."""

from __future__ import annotations

import argparse
import sys

from kiosk.bootstrap.doctor import doctor_checks
from kiosk.bootstrap.station import run_demo, run_station
from kiosk.config import config_path, require_secrets
from kiosk.demo import processes as demo


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="run the station UI (kiosk mode)")
    run.set_defaults(func=_run)

    demo_parser = subparsers.add_parser(
        "demo",
        help="reference hub on loopback + sync daemon + UI, simulated devices, data under var/",
    )
    demo_parser.set_defaults(func=_demo)

    doctor = subparsers.add_parser("doctor", help="check config and each device; one line per check")
    doctor.set_defaults(func=_doctor)


def _run(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    require_secrets(config, "queue.sealing_public_key")  # every citizen's submission is sealed to it
    return run_station(config)


def _demo(args: argparse.Namespace, load_config) -> int:
    try:
        demo.prepare(config_path(args.config))  # the hub's keys complete the config
    except demo.DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    return run_demo(load_config())


def _doctor(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    failed = 0
    for check in doctor_checks(config):
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        failed += not check.ok
    return 1 if failed else 0
