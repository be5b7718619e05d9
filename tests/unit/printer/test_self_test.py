"""The one printer test page: its bytes, and what a technician reads off the paper."""

from __future__ import annotations

import pytest
import zxingcpp
from escpos.printer import Dummy

from devices.errors import CoverOpen, FontNotFound
from devices.printer import fonts
from devices.printer.base import PrinterProfile, PrinterState
from devices.printer.blocks import Cut
from devices.printer.render import to_escpos
from devices.printer.self_test import TEST_URL, print_self_test, self_test_blocks
from devices.printer.simulated import SimulatedPrinter
from tests.support.escpos_interpreter import Interpreter


def test_self_test_page_bytes_are_exact():
    profile = PrinterProfile(gb18030=True)
    job = to_escpos(self_test_blocks("驿站", "simulated", profile, "ok"), profile)
    expected = Dummy()
    expected.hw("INIT")
    expected._raw(b"\x1c&")
    expected.set(align="center", bold=True, custom_size=True, width=2, height=2)
    expected._raw("打印测试\n".encode("gb18030"))
    expected.set(align="center", bold=False, custom_size=True, width=1, height=1)
    expected._raw(b"Printer test\n")
    expected.set(align="center", bold=False, custom_size=True, width=1, height=1)
    expected._raw("驿站\n".encode("gb18030"))
    expected.set(align="left", bold=False, custom_size=True, width=1, height=1)
    expected._raw(b"-" * 32 + b"\n")
    assert job.startswith(expected.output)
    assert job.endswith(b"\x1c." + b"\x1bd\x06" + b"\x1dV\x00")  # Chinese mode off, feed, cut


@pytest.mark.parametrize("profile", [PrinterProfile(gb18030=True), PrinterProfile(gb18030=False)], ids=["text", "raster"])
def test_printed_test_page_says_which_printer_and_its_qr_reads_the_test_url(profile):
    printer = SimulatedPrinter(profile)
    sent = print_self_test(printer, "GZ-HZ-0001")
    assert [len(job) for job in printer.printed] == [sent]
    page = Interpreter(profile.width_dots).render(printer.printed[0])
    assert page.cuts == 1
    assert [code.text for code in zxingcpp.read_barcodes(page.image.convert("L"))] == [TEST_URL]
    if profile.gb18030:
        assert "printer: simulated" in page.text and "status: ok (ready)" in page.text
        assert "繁體：政務服務一網通辦" in page.text


def test_test_page_ends_with_its_cut():
    blocks = self_test_blocks("驿站", "simulated", PrinterProfile(), "ok")
    assert blocks[-1] == Cut() and blocks.count(Cut()) == 1


def test_test_page_on_a_printer_that_cannot_print_raises_and_sends_nothing():
    """Bad input: cover open."""
    printer = SimulatedPrinter(PrinterProfile(gb18030=True), state=PrinterState.COVER_OPEN)
    with pytest.raises(CoverOpen):
        print_self_test(printer, "GZ-HZ-0001")
    assert printer.printed == []


def test_raster_test_page_without_a_cjk_font_is_a_printer_error(monkeypatch, tmp_path):
    """Bad input: a raster printer on a station without fonts-noto-cjk."""
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (str(tmp_path / "none.ttc"),))
    printer = SimulatedPrinter(PrinterProfile(gb18030=False))
    with pytest.raises(FontNotFound, match="fonts-noto-cjk"):
        print_self_test(printer, "GZ-HZ-0001")
    assert printer.printed == []
