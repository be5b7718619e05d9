"""`printer status|test` and `receipt render` through their argparse registration."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
import zxingcpp
from PIL import Image

from devices.printer.base import PrinterProfile, PrinterState
from devices.printer.render import to_escpos
from devices.printer.settings import PrinterSettings
from kiosk.commands import printer as printer_command
from kiosk.commands import receipt as receipt_command
from kiosk.domain.receipt_layout import receipt_blocks
from kiosk.domain.receipt_number import make_receipt_number
from offline_queue.api import NewSubmission
from offline_queue.sealing import Sealer, generate_keypair
from offline_queue.settings import QueueSettings
from offline_queue.outbox import Outbox
from tests.support.escpos_interpreter import Interpreter
from tests.support.station_config import station_config
from tests.support.virtual_printer import VirtualPrinter
from tests.unit.printer.conftest import RAW_ID, RAW_NAME, SUBMISSION


def _run(module, argv, printer_settings=None, config=None):
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    config = config or station_config(printer=printer_settings or PrinterSettings())
    return args.func(args, lambda: config)


def test_printer_status_ok(capsys):
    assert _run(printer_command, ["printer", "status"]) == 0
    assert "simulated: ok" in capsys.readouterr().out


@pytest.mark.parametrize(("state", "code"), [(PrinterState.PAPER_OUT, 1), (PrinterState.OFFLINE, 1), (PrinterState.OK, 0)])
def test_printer_status_against_the_virtual_printer(capsys, state, code):
    """Bad input: the printer answers paper out, or nothing at all."""
    with VirtualPrinter(state) as virtual:
        settings = PrinterSettings(backend="network", host=virtual.host, port=virtual.port, status_timeout_s=0.2)
        assert _run(printer_command, ["printer", "status"], settings) == code
    out, err = capsys.readouterr()
    assert state.value in out
    assert ("not ready" in err) == bool(code)
    assert "Traceback" not in err


def test_printer_test_page_reaches_the_printer_and_reads_back(capsys):
    with VirtualPrinter() as virtual:
        settings = PrinterSettings(
            backend="network", host=virtual.host, port=virtual.port, gb18030=True, status_timeout_s=0.3
        )
        assert _run(printer_command, ["printer", "test"], settings) == 0
    page = Interpreter(384).render(virtual.jobs[0])
    assert page.lines[0].text == "打印测试"
    assert "繁體：政務服務一網通辦" in page.text
    assert page.qr_payloads == ["https://zwfw.example.gov.cn/s/test"] and page.cuts == 1


def test_printer_test_page_on_a_printer_with_its_cover_open_is_one_line(capsys):
    """Bad input: cover open: one line on stderr, exit 1, no traceback."""
    with VirtualPrinter(PrinterState.COVER_OPEN) as virtual:
        settings = PrinterSettings(backend="network", host=virtual.host, port=virtual.port)
        assert _run(printer_command, ["printer", "test"], settings) == 1
    err = capsys.readouterr().err
    assert err.strip() == "test page not printed: CoverOpen: printer: cover open"


def test_receipt_render_sample_png_and_escpos(tmp_path, capsys):
    png, job = tmp_path / "r.png", tmp_path / "r.bin"
    code = _run(receipt_command, ["receipt", "render", "--sample", "--png", str(png), "--escpos", str(job)])
    assert code == 0
    image = Image.open(png)
    assert image.width == 384
    assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == [
        "https://zwfw.example.gov.cn/s/" + receipt_command.SAMPLE_SUBMISSION
    ]
    assert Interpreter(384).render(job.read_bytes()).cuts == 1
    assert "GZHZ0001-261123-042-" in capsys.readouterr().out


def _queue_config(tmp_path):
    public, _private = generate_keypair()
    queue = QueueSettings(db_path=tmp_path / "q.sqlite3", sealing_public_key=public, min_free_bytes=0)
    return station_config(queue=queue)


def test_receipt_render_of_a_queued_submission_shows_no_identity(tmp_path, capsys):
    config = _queue_config(tmp_path)
    number = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 7)
    with Outbox.open(config.queue.db_path, Sealer(config.queue.sealing_public_key, "k"), min_free_bytes=0) as outbox:
        queued = outbox.enqueue(
            NewSubmission("RESIDENCE-ENDORSE", 1, number, payload={"name": RAW_NAME, "id_number": RAW_ID})
        )
    png, job = tmp_path / "r.png", tmp_path / "r.bin"
    argv = ["receipt", "render", "--submission", queued.submission_id, "--png", str(png), "--escpos", str(job)]
    assert _run(receipt_command, argv, config=config) == 0
    image = Image.open(png)
    assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == [
        config.station.status_url + queued.submission_id
    ]
    page = Interpreter(384).render(to_escpos(
        receipt_blocks(receipt_command.queued_receipt(config, queued.submission_id, receipt_command.Lang.ZH_HANS)),
        PrinterProfile(gb18030=True),
    ))
    assert number in page.text and "RESIDENCE-ENDORSE" in page.text and "已保存在本驿站" in page.text
    assert "申请人" not in page.text and "证件号码" not in page.text
    assert RAW_ID.encode() not in job.read_bytes()


def test_receipt_render_of_an_unknown_or_malformed_submission_is_one_line(tmp_path, capsys):
    """Bad input: a UUID this queue never saw, a non-UUID, a station without a queue database."""
    png = tmp_path / "r.png"
    config = _queue_config(tmp_path)
    assert _run(receipt_command, ["receipt", "render", "--submission", SUBMISSION, "--png", str(png)], config=config) == 1
    assert "no queue database" in capsys.readouterr().err
    Outbox.open(config.queue.db_path, Sealer(config.queue.sealing_public_key, "k")).close()
    assert _run(receipt_command, ["receipt", "render", "--submission", SUBMISSION, "--png", str(png)], config=config) == 1
    assert "not in this station's queue" in capsys.readouterr().err
    with pytest.raises(SystemExit) as malformed:  # an argparse error now, one line, exit 2
        _run(receipt_command, ["receipt", "render", "--submission", "42", "--png", str(png)], config=config)
    assert malformed.value.code == 2 and "not a submission id" in capsys.readouterr().err
    assert not png.exists()


def test_receipt_render_to_an_unwritable_place_is_one_line(tmp_path, capsys):
    """Bad input: the output folder does not exist."""
    assert _run(receipt_command, ["receipt", "render", "--sample", "--png", str(tmp_path / "no" / "r.png")]) == 1
    assert capsys.readouterr().err.startswith("cannot write")


def test_receipt_render_of_a_delivered_submission_says_received_with_the_reference(tmp_path):
    config = _queue_config(tmp_path)
    number = make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 8)
    with Outbox.open(config.queue.db_path, Sealer(config.queue.sealing_public_key, "k"), min_free_bytes=0) as outbox:
        queued = outbox.enqueue(
            NewSubmission("RESIDENCE-ENDORSE", 1, number, payload={"name": RAW_NAME, "id_number": RAW_ID})
        )
        record = outbox.claim("test")
        assert outbox.delivered(record, "GZ2026-000123", "2026-11-23T02:00:00Z")
    receipt = receipt_command.queued_receipt(config, queued.submission_id, receipt_command.Lang.ZH_HANS)
    page = Interpreter(384).render(to_escpos(receipt_blocks(receipt), PrinterProfile(gb18030=True)))
    assert number in page.text and "GZ2026-000123" in page.text
    assert "已保存在本驿站" not in page.text, "a delivered record is not 'queued at this station'"
    assert "申请人" not in page.text and "证件号码" not in page.text
