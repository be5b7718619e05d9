"""`receipt render`: what a receipt looks like, for technicians and admins.

The station's queue keeps personal data sealed to the platform's key, so a receipt
rendered here can only show what the station may know: the receipt number, the service,
the status and the time, never the identity (masked fields are left out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from devices.errors import FontNotFound
from devices.printer.raster import render_image
from devices.printer.render import to_escpos
from kiosk.commands.argtypes import submission_id
from kiosk.domain.catalog import Catalog, Promise
from kiosk.domain.i18n_text import Lang, LocalText
from kiosk.domain.receipt import Receipt, ReceiptStatus
from kiosk.domain.receipt_layout import receipt_blocks
from kiosk.domain.receipt_number import make_receipt_number

#: A fictional citizen and service for `--sample` (never a real person's data).
SAMPLE_NAME = "张小三"
SAMPLE_ID_NUMBER = "44010619900101123X"
SAMPLE_SUBMISSION = "3f1c2b9e-8a4d-4f6e-9b2a-1c3d5e7f9a0b"
SAMPLE_SERVICE = LocalText.model_validate(
    {"zh-Hans": "居住证签注", "zh-Hant": "居住證簽注", "en": "Residence permit endorsement"}
)


def register(subparsers: argparse._SubParsersAction) -> None:
    receipt = subparsers.add_parser("receipt", help="receipts: render one to an image")
    commands = receipt.add_subparsers(dest="receipt_command", metavar="SUBCOMMAND", required=True)
    render = commands.add_parser("render", help="render a receipt to PNG (and optionally its ESC/POS bytes)")
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--submission", metavar="ID", type=submission_id, help="a submission in this station's queue")
    which.add_argument("--sample", action="store_true", help="a sample receipt with a fictional citizen")
    render.add_argument("--png", metavar="OUT", type=Path, required=True, help="where to write the picture")
    render.add_argument("--escpos", metavar="OUT", type=Path, help="also write the ESC/POS job bytes")
    render.add_argument(
        "--lang", choices=[lang.value for lang in Lang], default=Lang.EN.value, help="the session's language"
    )
    render.add_argument("--received", metavar="REFERENCE", help="sample: show status received with this reference")
    render.set_defaults(func=_render)


def sample_receipt(station, lang: Lang, reference: str | None) -> Receipt:
    """The sample receipt for this station's config section `[station]`."""
    created = dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC)
    return Receipt.for_citizen(
        name=SAMPLE_NAME,
        id_number=SAMPLE_ID_NUMBER,
        station_name=station.name,
        station_address=station.address,
        service_name=SAMPLE_SERVICE,
        receipt_number=make_receipt_number(station.id, created.date(), 42),
        submission_id=SAMPLE_SUBMISSION,
        created_at=created,
        status=ReceiptStatus.RECEIVED if reference else ReceiptStatus.QUEUED,
        platform_reference=reference,
        promise=Promise(working_days=5),
        status_url=station.status_url,
        hotline=station.hotline,
        language=lang,
    )


class _NotRenderable(Exception):
    """The receipt cannot be rendered; `str()` is the one line to show."""


def queued_receipt(config, submission_id: str, lang: Lang) -> Receipt:
    """The receipt of a submission in this station's queue, from what the station may know.

    Only unsealed columns are read (receipt number, service code, time, state, the
    platform's reference once delivered); the identity is sealed to the platform, so the
    receipt shows none. Delivered records are kept until the retention purges them.
    """
    from offline_queue.api import QueueError, RecordState
    from kiosk.bootstrap import parts

    db_path = config.resolve(config.queue.db_path)
    if not db_path.is_file():
        raise _NotRenderable(f"no queue database at {db_path}")
    try:
        with parts.outbox(config) as outbox:
            record = outbox.receipt_details(submission_id)
            snapshot = outbox.catalog.active()
    except KeyError:
        raise _NotRenderable("submission not in this station's queue (never queued here, or purged)") from None
    except QueueError as exc:
        raise _NotRenderable(str(exc)) from None
    name, promise = LocalText.model_validate({"zh-Hans": record.service_code}), None
    if snapshot is not None:
        try:
            service = Catalog.model_validate(snapshot.payload).service(record.service_code)
            name, promise = service.name, service.promise
        except (KeyError, ValueError):
            pass  # not in the active catalog any more: show the code, no promise
    received = record.state is RecordState.DELIVERED
    return Receipt(
        station_name=config.station.name,
        station_address=config.station.address,
        service_name=name,
        receipt_number=record.receipt_number,
        submission_id=submission_id,
        created_at=dt.datetime.fromisoformat(record.created_at),
        status=ReceiptStatus.RECEIVED if received else ReceiptStatus.QUEUED,
        platform_reference=record.reference if received else None,
        promise=promise,
        status_url=config.station.status_url,
        hotline=config.station.hotline,
        language=lang,
    )


def _render(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    lang = Lang(args.lang)
    if args.submission:
        try:
            receipt = queued_receipt(config, args.submission, lang)
        except _NotRenderable as exc:
            print(f"receipt not rendered: {exc}", file=sys.stderr)
            return 1
    else:
        receipt = sample_receipt(config.station, lang, args.received)
    profile = config.printer.printer_profile()
    try:
        blocks = receipt_blocks(receipt)
        image = render_image(blocks, profile)
        image.save(args.png, format="PNG")
        if args.escpos:
            args.escpos.write_bytes(to_escpos(blocks, profile))
    except FontNotFound as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{receipt.receipt_number}: {args.png} ({image.width}x{image.height})")
    return 0
