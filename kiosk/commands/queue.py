"""`run_kiosk.py queue status | send-test | retry ID | export [--salvage] DIR`: technicians' queue tools.

Nothing here shows personal data: counts, ages, reason codes, ids and receipt numbers only;
exports stay sealed. `retry` and `export` are the technician tools of the touch screen
(`kiosk.technician.ops`), run as the console's user and written to the audit trail alike.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from offline_queue import handcarry
from offline_queue.api import NewAttachment, NewSubmission, QueueError, RecordState
from offline_queue.engine import AUTH_ALARM, CATALOG_REJECTED
from kiosk.bootstrap import parts
from kiosk.bootstrap.technician import console_technician
from kiosk.commands.argtypes import submission_id, whole
from kiosk.config import require_secrets
from kiosk.station import DailyReceiptNumbers
from kiosk.technician.ops import TechnicianOps
from offline_queue.outbox import Outbox

#: Fictional identities for `send-test` (never a real person).
TEST_PEOPLE = (("测试用户甲", "110105194912310029"), ("测试用户乙", "44010519800101001X"), ("Test Person", "T00000001"))
#: Bounds of `send-test`: a load test, not a way to fill the disk. The hub accepts 16 MiB a file.
MAX_TEST_COUNT = 10_000
MAX_TEST_ATTACHMENT = 16 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("queue", help="offline queue: status, test submissions, retry, export")
    sub = parser.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    status = sub.add_parser("status", help="counts per state, oldest pending age, quarantine reasons")
    status.set_defaults(func=_status)

    send = sub.add_parser("send-test", help="enqueue synthetic submissions (fictional identities)")
    send.add_argument("--count", type=whole(1, MAX_TEST_COUNT), default=1, help="how many (default 1)")
    send.add_argument(
        "--attach-bytes",
        type=whole(0, MAX_TEST_ATTACHMENT),
        default=300_000,
        help=f"bytes per attachment, 3 each (default 300000, at most {MAX_TEST_ATTACHMENT})",
    )
    send.set_defaults(func=_send_test)

    retry = sub.add_parser("retry", help="make a quarantined or backing-off submission due now")
    retry.add_argument("id", type=submission_id, help="submission id (UUID)")
    retry.set_defaults(func=_retry)

    export = sub.add_parser("export", help="write undelivered records, still sealed, to DIR")
    export.add_argument("dir", help="target folder (e.g. a USB stick)")
    export.add_argument(
        "--salvage",
        action="store_true",
        help="the queue database is damaged: export every intact record, skip and name the rest",
    )
    export.set_defaults(func=_export)


def _run(load_config, action) -> int:
    config = load_config()
    try:
        with parts.outbox(config) as outbox:
            return action(outbox, config)
    except QueueError as exc:
        print(f"queue: {exc}", file=sys.stderr)
        return 1


def _run_tool(load_config, action) -> int:
    """`action(ops)` with the technician tools acting for the console's user."""
    try:
        with console_technician(load_config()) as ops:
            return action(ops)
    except QueueError as exc:
        print(f"queue: {exc}", file=sys.stderr)
        return 1


def status_lines(outbox: Outbox) -> Iterator[str]:
    counts = outbox.counts()
    yield (
        f"pending {counts.pending}  in_flight {counts.in_flight}  delivered {counts.delivered}"
        f"  quarantined {counts.quarantined}"
    )
    age = counts.oldest_pending_age_s
    yield f"oldest pending: {'-' if age is None else f'{age:.0f} s'}"
    reasons = ", ".join(f"{reason} {n}" for reason, n in counts.quarantine_reasons.items())
    yield f"quarantined reasons: {reasons or '-'}"
    yield f"credentials: {'REFUSED (' + alarm + ')' if (alarm := outbox.get_flag(AUTH_ALARM)) else 'ok'}"
    active, staged = outbox.catalog.active(), outbox.catalog.staged()
    catalog = f"catalog: active {'v' + str(active.version) if active else '-'}"
    if staged:
        catalog += f", staged v{staged.version} from {staged.effective_from.isoformat()}"
    if rejected := outbox.get_flag(CATALOG_REJECTED):
        catalog += f", last bundle refused: {rejected}"
    yield catalog
    yield f"free disk: {outbox.free_bytes() // (1024 * 1024)} MiB (floor {outbox.min_free_bytes // (1024 * 1024)} MiB)"
    yield f"integrity: {outbox.check_pending().line()}"


def _status(args: argparse.Namespace, load_config) -> int:
    def action(outbox: Outbox, config) -> int:
        for line in status_lines(outbox):
            print(line)
        return 0

    return _run(load_config, action)


def synthetic_submission(n: int, attach_bytes: int, receipt_number: str) -> NewSubmission:
    """A synthetic submission: fictional identity, three attachments of `attach_bytes`.

    `receipt_number` comes from the station's own allocator, so a test record's receipt is a
    real one (`receipt render --submission` renders it) and never repeats a number.
    """
    name, id_number = TEST_PEOPLE[n % len(TEST_PEOPLE)]
    filler = (f"TEST {n} ".encode() * (attach_bytes // 7 + 1))[:attach_bytes]
    return NewSubmission(
        service_code="TEST",
        catalog_version=0,
        receipt_number=receipt_number,
        payload={"test": True, "identity": {"name": name, "id_number": id_number}},
        attachments=tuple(NewAttachment(role, filler) for role in ("id-front", "id-back", "document")),
    )


def _send_test(args: argparse.Namespace, load_config) -> int:
    def action(outbox: Outbox, config) -> int:
        require_secrets(config, "queue.sealing_public_key")
        numbers = DailyReceiptNumbers(outbox, config.station.id)
        for n in range(args.count):
            done = outbox.enqueue(synthetic_submission(n, args.attach_bytes, numbers()))
        print(f"enqueued {args.count} test submission(s); last id {done.submission_id}, receipt {done.receipt_number}")
        return 0

    return _run(load_config, action)


def _retry(args: argparse.Namespace, load_config) -> int:
    def action(ops: TechnicianOps) -> int:
        try:
            before = ops.retry(args.id)
        except KeyError:
            print(f"queue: no submission {args.id} in the queue", file=sys.stderr)
            return 1
        if before in (RecordState.PENDING, RecordState.QUARANTINED):
            print(f"{args.id}: was {before.value}, now pending and due")
        else:
            print(f"{args.id}: is {before.value}; nothing to retry")
        return 0

    return _run_tool(load_config, action)


def _export(args: argparse.Namespace, load_config) -> int:
    if args.salvage:
        return _salvage(args, load_config)

    def action(ops: TechnicianOps) -> int:
        try:
            count, target = ops.export_sealed(args.dir)
        except OSError as exc:
            print(f"queue: cannot write to {args.dir}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"exported {count} sealed record(s) to {target}")
        return 0

    return _run_tool(load_config, action)


def _salvage(args: argparse.Namespace, load_config) -> int:
    """Read the database file directly (read-only): a damaged one may not open as a queue,
    and neither can the technician tools that open it."""
    config = load_config()
    try:
        done = handcarry.salvage(config.resolve(config.queue.db_path), args.dir, config.station.id)
    except QueueError as exc:
        print(f"queue: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"queue: cannot write to {args.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"salvaged {done.records} sealed record(s) to {done.path}")
    if done.skipped:
        print(f"skipped {len(done.skipped)} unreadable or damaged: {', '.join(done.skipped)}")
    return 0
