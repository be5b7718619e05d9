"""`printer status|test` and `receipt render` through their argparse registration."""

from __future__ import annotations

import argparse
import types

import pytest
import zxingcpp
from PIL import Image

from devices.printer.base import PrinterState
from devices.printer.settings import PrinterSettings
from kiosk.commands import printer as printer_command
from kiosk.commands import receipt as receipt_command
from kiosk.config import StationSection
from tests.support.escpos_interpreter import Interpreter
from tests.support.virtual_printer import VirtualPrinter


def _run(module, argv, printer_settings=None):
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    config = types.SimpleNamespace(station=StationSection(), printer=printer_settings or PrinterSettings())
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
    assert err.strip() == "test page not printed: printer: cover open"


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
    assert "GZHZ0001-20261123-0042-" in capsys.readouterr().out


def test_receipt_render_submission_is_a_clear_error_until_the_queue_lookup_exists(tmp_path, capsys):
    """Bad input: a submission id while the queue's status lookup is not in this build; and a non-UUID."""
    png = tmp_path / "r.png"
    assert _run(receipt_command, ["receipt", "render", "--submission", receipt_command.SAMPLE_SUBMISSION, "--png", str(png)]) == 1
    assert "--sample" in capsys.readouterr().err
    assert _run(receipt_command, ["receipt", "render", "--submission", "42", "--png", str(png)]) == 2
    assert not png.exists()


def test_receipt_render_to_an_unwritable_place_is_one_line(tmp_path, capsys):
    """Bad input: the output folder does not exist."""
    assert _run(receipt_command, ["receipt", "render", "--sample", "--png", str(tmp_path / "no" / "r.png")]) == 1
    assert capsys.readouterr().err.startswith("cannot write")
