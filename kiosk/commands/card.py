"""`card read` and `card watch`: the identity reader from a technician's shell.

`card read` reads the document on the reader once and prints it (one JSON object with
`--json`); name, document number and birth date are masked unless `--unmasked`, and the
address is only shown unmasked. `card watch` prints reader events line by line until
Ctrl+C, `--count N` events or `--seconds S`. Failures print one line on stderr and exit 1.
Both use every reader `[card] backends` lists (the first card on any of them is read;
events name their reader); `--backend` picks one. Flags override the `[card]` section of
config.toml for this run only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import queue
import sys
import time
from typing import Any

from devices.card.base import CardEvent, CardReader, Identity, MrzKey
from devices.card.factory import BACKENDS
from devices.card.samples import SAMPLES
from devices.card.settings import CardSettings
from devices.errors import DeviceError, NoCard
from kiosk.bootstrap import parts
from kiosk.commands.argtypes import seconds, whole
from kiosk.domain.masking import mask_date, mask_id_number, mask_name

EXIT_DEVICE = 1
MAX_WAIT_S = 3600.0
MAX_WATCH_S = 7 * 86400.0
MAX_EVENTS = 10**9
_WAIT_STEP_S = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:
    card = subparsers.add_parser("card", help="read identity documents, watch the card reader")
    commands = card.add_subparsers(dest="card_command", metavar="SUBCOMMAND", required=True)

    read = commands.add_parser("read", help="read the document on the reader and print it")
    _backend_options(read)
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--mrz", type=_mrz_key, metavar="DOCNO,YYMMDD,YYMMDD", help="passport BAC key: number, birth, expiry")
    read.add_argument("--unmasked", action="store_true", help="show name, number, dates and address in full")
    read.add_argument("--wait", type=seconds(0, MAX_WAIT_S), default=0.0, metavar="S", help="wait up to S seconds for a card")
    read.set_defaults(func=_read)

    watch = commands.add_parser("watch", help="print insert/remove events until Ctrl+C")
    _backend_options(watch)
    watch.add_argument("--json", action="store_true", help="one JSON object per event")
    watch.add_argument("--count", type=whole(1, MAX_EVENTS), metavar="N", help="stop after N events")
    watch.add_argument("--seconds", type=seconds(0, MAX_WATCH_S), metavar="S", help="stop after S seconds")
    watch.set_defaults(func=_watch)


def _backend_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=tuple(BACKENDS), help="only this reader (overrides card.backend(s))")
    parser.add_argument("--port", metavar="DEV", help="GA 467 serial port (overrides card.ga467.port)")
    parser.add_argument("--reader", metavar="NAME", help="PC/SC reader name part (overrides card.pcsc.reader)")
    parser.add_argument("--sample", choices=sorted(SAMPLES), help="simulated backend: put this sample on the reader")


def _mrz_key(value: str) -> MrzKey:
    parts = [part.strip().upper() for part in value.split(",")]
    if (
        len(parts) != 3
        or not (parts[0].isascii() and parts[0].isalnum())
        or not all(len(p) == 6 and p.isascii() and p.isdigit() for p in parts[1:])
    ):
        raise argparse.ArgumentTypeError("expected DOCNO,YYMMDD,YYMMDD (document number, birth date, expiry)")
    return MrzKey(document_number=parts[0], birth_yymmdd=parts[1], expiry_yymmdd=parts[2])


def _reader(args: argparse.Namespace, load_config) -> CardReader:
    """The configured reader(s), or the one `--backend` picks, with the command's overrides."""
    config = load_config()
    return parts.card_reader(dataclasses.replace(config, card=_settings(args, config.card)))


def _settings(args: argparse.Namespace, settings: CardSettings) -> CardSettings:
    update: dict[str, Any] = {}
    if args.backend:
        update.update(backend=args.backend, backends=None)
    if args.port:
        update["ga467"] = settings.ga467.model_copy(update={"port": args.port})
    if args.reader:
        update["pcsc"] = settings.pcsc.model_copy(update={"reader": args.reader})
    if args.sample:
        update["simulated"] = settings.simulated.model_copy(update={"sample": args.sample})
    return settings.model_copy(update=update)


def _fail(reason: str) -> int:
    print(f"card: {reason}", file=sys.stderr)
    return EXIT_DEVICE


def _read(args: argparse.Namespace, load_config) -> int:
    reader = _reader(args, load_config)
    try:
        deadline = time.monotonic() + args.wait
        while True:
            try:
                identity = reader.read_identity(args.mrz)
                break
            except NoCard:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(_WAIT_STEP_S)
    except DeviceError as exc:
        return _fail(str(exc))
    finally:
        reader.stop()
    shown = identity_view(identity, unmasked=args.unmasked)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False))
    else:
        for key, value in shown.items():
            print(f"{key}: {value}")
    return 0


def identity_view(identity: Identity, *, unmasked: bool = False) -> dict[str, Any]:
    """What `card read` prints: personal fields masked unless `unmasked`."""

    def date(value: dt.date | None) -> str | None:
        return value.isoformat() if value is not None else None

    view: dict[str, Any] = {
        "kind": identity.kind.value,
        "name": identity.name if unmasked else mask_name(identity.name),
        "latin_name": identity.latin_name if unmasked else mask_name(identity.latin_name),
        "id_number": identity.id_number if unmasked else mask_id_number(identity.id_number),
        "birth_date": date(identity.birth_date) if unmasked else mask_date(identity.birth_date),
        "sex": identity.sex,
        "nationality": identity.nationality,
        "ethnicity": identity.ethnicity,
        "issuer": identity.issuer,
        "valid_from": date(identity.valid_from),
        "valid_to": date(identity.valid_to) or "long-term",
        "photo_bytes": len(identity.photo),
    }
    if unmasked:
        view["address"] = identity.address
    return view


def _watch(args: argparse.Namespace, load_config) -> int:
    reader = _reader(args, load_config)
    events: queue.Queue[CardEvent] = queue.Queue()
    deadline = time.monotonic() + args.seconds if args.seconds is not None else None
    seen = 0
    try:
        reader.start(events.put)
        print(f"watching {reader.name}; Ctrl+C to stop", file=sys.stderr)
        while args.count is None or seen < args.count:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                break
            try:
                event = events.get(timeout=min(wait, 0.5) if wait is not None else 0.5)
            except queue.Empty:
                continue
            seen += 1
            stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            if args.json:
                print(json.dumps({"time": stamp, "event": event.kind.value, "reader": event.reader}), flush=True)
            else:
                print(f"{stamp} {event.kind.value} {event.reader}", flush=True)
    except DeviceError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    finally:
        reader.stop()
    return 0
