"""`queue send-test` records carry real receipt numbers: unique across drains and runs, valid
check character, and `receipt render --submission` renders them."""

from __future__ import annotations

import re
import time

from kiosk.bootstrap import parts
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.domain.receipt_number import verify_receipt_number


def send_test(capsys, station, count: int) -> str:
    code = main(["--config", str(station.config), "queue", "send-test", "--count", str(count), "--attach-bytes", "10"])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def drain(station) -> list[str]:
    """Deliver everything as the sync daemon would, then purge it: the queue is empty again."""
    numbers = []
    with parts.outbox(load_config(station.config)) as outbox:
        while (record := outbox.claim("test-drain")) is not None:
            numbers.append(record.receipt_number)
            outbox.delivered(record, "REF-1", None)
        assert outbox.purge(now=time.time() + 400 * 86400) == len(numbers)  # past any retention
        assert outbox.counts().delivered == 0
    return numbers


def test_numbers_are_unique_after_a_drain_and_across_runs(capsys, station):
    station.provision()
    send_test(capsys, station, 3)
    first = drain(station)
    send_test(capsys, station, 2)  # a second run, after the drain: the old code began at TEST-000000 again
    second = drain(station)
    numbers = first + second
    assert len(numbers) == 5 and len(set(numbers)) == 5
    assert all(verify_receipt_number(n) for n in numbers)
    assert all(n.startswith("GZHZ0001-") for n in numbers)


def test_receipt_render_works_for_a_send_test_record(capsys, station, tmp_path):
    station.provision()
    out = send_test(capsys, station, 1)
    submission = re.search(r"last id ([0-9a-f-]{36}), receipt (\S+)", out)
    png = tmp_path / "receipt.png"
    code = main(["--config", str(station.config), "receipt", "render", "--submission", submission[1], "--png", str(png)])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert captured.out.startswith(f"{submission[2]}: {png}")
    assert png.read_bytes().startswith(b"\x89PNG")
