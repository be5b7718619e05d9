"""The receipt's layout (domain blocks) through the printer's renderer: bytes rendered by the
ESC/POS interpreter, QR decoded by zxing-cpp (independent)."""

from __future__ import annotations

import pytest
import zxingcpp
from escpos.printer import Dummy

from devices.errors import FontNotFound
from devices.printer import fonts, raster
from devices.printer.base import PrinterProfile
from devices.printer.blocks import QR, Cut, Rule, Text, display_width, wrap
from devices.printer.fonts import find_cjk_font
from devices.printer.raster import render_image
from devices.printer.render import to_escpos
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt import Receipt, ReceiptStatus
from kiosk.domain.receipt_layout import receipt_blocks
from tests.support.escpos_interpreter import Interpreter
from tests.unit.printer.conftest import RAW_ID, RAW_NAME, make_receipt

TEXT_58 = PrinterProfile(gb18030=True, native_qr=True)
TEXT_58_IMAGE_QR = PrinterProfile(gb18030=True, native_qr=False)
RASTER_58 = PrinterProfile(gb18030=False)
RASTER_80 = PrinterProfile(width_dots=576, columns=48, gb18030=False)
TEXT_80 = PrinterProfile(width_dots=576, columns=48, gb18030=True)
ALL = [TEXT_58, TEXT_58_IMAGE_QR, RASTER_58, RASTER_80, TEXT_80]


def render_receipt(receipt: Receipt, profile: PrinterProfile) -> bytes:
    return to_escpos(receipt_blocks(receipt), profile)


def render_receipt_image(receipt: Receipt, profile: PrinterProfile):
    return render_image(receipt_blocks(receipt), profile)


def decode_qr(image):
    return [code.text for code in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.parametrize("profile", ALL, ids=lambda p: f"{'text' if p.gb18030 else 'raster'}{p.width_dots}")
def test_qr_decodes_to_the_status_url_and_fits_the_paper(receipt, profile):
    page = Interpreter(profile.width_dots).render(render_receipt(receipt, profile))
    assert decode_qr(page.image) == [receipt.qr_url]
    assert page.cuts == 1
    assert all(g.x >= 0 and g.x + g.width <= profile.width_dots for g in page.graphics)


def test_text_mode_prints_chinese_content_in_order_without_overflow(receipt):
    page = Interpreter(384).render(render_receipt(receipt, TEXT_58))
    lines = [line.text for line in page.lines]
    assert lines[0] == "政务服务回执"
    assert page.lines[0].size == (2, 2) and page.lines[0].align == "center"
    assert all(line.chinese_mode for line in page.lines)
    assert not [line.text for line in page.lines if line.overflow]
    number = next(line for line in page.lines if line.text == receipt.receipt_number)
    assert number.size == (1, 2) and number.bold  # large, one line, read whole
    qr = next(g for g in page.graphics if g.kind == "qr")
    assert number.y < qr.y  # the number comes before the QR code
    assert qr.x + qr.width / 2 == pytest.approx(192, abs=2)  # centred
    assert "申请人 Applicant: 张*三" in lines
    assert "4401**********123X" in lines  # never broken across lines
    assert "2026-11-23 17:05" in lines  # date and time stay together (NBSP), station time
    assert "服务热线 Hotline: 12345" in lines
    assert page.qr_payloads == [receipt.qr_url]


def test_layout_is_plain_blocks_ending_with_the_one_cut(receipt):
    """The domain's part: blocks only (no bytes), the number large on one line, QR, then the cut."""
    blocks = receipt_blocks(receipt)
    assert all(isinstance(block, Text | Rule | QR | Cut) for block in blocks)
    assert blocks[-1] == Cut() and blocks.count(Cut()) == 1
    number = next(b for b in blocks if isinstance(b, Text) and b.text == receipt.receipt_number)
    assert (number.size, number.bold, number.one_line) == ("large", True, True)
    assert [b.data for b in blocks if isinstance(b, QR)] == [receipt.qr_url]


def test_no_raw_identity_in_any_rendering(receipt):
    for profile in (TEXT_58, RASTER_58):
        job = render_receipt(receipt, profile)
        for raw in (RAW_NAME, RAW_ID):
            assert raw.encode("gb18030") not in job and raw.encode() not in job
    assert RAW_ID not in Interpreter(384).render(render_receipt(receipt, TEXT_58)).text


def test_status_tells_queued_or_received_with_reference():
    queued = Interpreter(384).render(render_receipt(make_receipt(language=Lang.ZH_HANS), TEXT_58)).text
    assert "已保存在本驿站" in queued and "受理编号" not in queued
    received = make_receipt(status=ReceiptStatus.RECEIVED, platform_reference="GZ2026-000123", language=Lang.ZH_HANS)
    text = Interpreter(384).render(render_receipt(received, TEXT_58)).text
    assert "政务平台已接收" in text and "受理编号: GZ2026-000123" in text and "已保存在本驿站" not in text


def test_zh_hans_session_prints_chinese_only_and_others_add_their_language():
    only = Interpreter(384).render(render_receipt(make_receipt(language=Lang.ZH_HANS), TEXT_58)).text
    assert "Receipt" not in only and "個工作日" not in only
    hant = Interpreter(384).render(render_receipt(make_receipt(language=Lang.ZH_HANT), TEXT_58)).text
    assert "5个工作日" in hant and "5個工作日" in hant and "居住證簽注" in hant
    english = Interpreter(384).render(render_receipt(make_receipt(language=Lang.EN), TEXT_58)).text
    assert "5 working days" in english and "Residence permit endorsement" in english


def test_instant_promise():
    from kiosk.domain.catalog import Promise

    text = Interpreter(384).render(render_receipt(make_receipt(promise=Promise(instant=True)), TEXT_58)).text
    assert "即时办结" in text and "Decided at once" in text


def test_raster_receipt_is_one_full_width_image(receipt):
    page = Interpreter(384).render(render_receipt(receipt, RASTER_58))
    assert page.lines == []  # no printer font used at all
    assert [g.kind for g in page.graphics] == ["raster"] * len(page.graphics)
    assert {g.width for g in page.graphics} == {384}
    # GS v 0 fragments stack without gaps: one continuous receipt
    assert all(a.y + a.height == b.y for a, b in zip(page.graphics, page.graphics[1:]))


def test_png_is_the_raster_rendering(receipt):
    image = render_receipt_image(receipt, RASTER_58)
    assert image.width == 384 and image.mode == "1"
    assert decode_qr(image) == [receipt.qr_url]


# --- byte-exact against python-escpos' Dummy -------------------------------------------


def _dummy_qr(data: str, size: int) -> bytes:
    printer = Dummy()
    printer.qr(data, ec=1, size=size, native=True)
    return printer.output


def test_text_mode_bytes_are_exact_where_the_layout_is_fixed(receipt):
    job = render_receipt(receipt, TEXT_58)
    header = b"\x1b@" + b"\x1c&" + b"\x1d!\x11" + b"\x1bE\x01" + b"\x1ba\x01" + "政务服务回执".encode("gb18030") + b"\n"
    assert job.startswith(header)
    assert job.endswith(b"\x1d!\x00\x1bE\x00\x1ba\x00" + b"\x1c." + b"\x1bd\x06" + b"\x1dV\x00")
    assert _dummy_qr(receipt.qr_url, 6) in job
    qr_store = b"\x1d(k" + (len(receipt.qr_url) + 3).to_bytes(2, "little") + b"1P0" + receipt.qr_url.encode()
    assert qr_store in job
    assert b"\x1d(k\x03\x001C\x06" in job and b"\x1d(k\x03\x001E1" in job  # module 6 dots, EC level M


# --- wrapping and fonts --------------------------------------------------------------


def test_wrap_breaks_cjk_anywhere_and_latin_at_spaces():
    narrow = lambda s: display_width(s) <= 10  # noqa: E731
    assert wrap("已保存在本驿站联网后", narrow) == ["已保存在本", "驿站联网后"]
    assert wrap("Saved at this station", narrow) == ["Saved at", "this", "station"]
    assert wrap("ABCDEFGHIJKLMNOP", narrow) == ["ABCDEFGHIJ", "KLMNOP"]


def test_missing_cjk_font_is_a_clear_error(monkeypatch, tmp_path, receipt):
    """Bad input: no font at any candidate path and none in $KIOSK_CJK_FONT."""
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (str(tmp_path / "none.ttc"),))
    with pytest.raises(FontNotFound, match="fonts-noto-cjk"):
        render_receipt(receipt, RASTER_58)
    # text mode needs no font on this machine
    assert render_receipt(receipt, TEXT_58).startswith(b"\x1b@")


def test_font_override_by_environment(monkeypatch):
    path = find_cjk_font()
    monkeypatch.setenv(fonts.FONT_ENV, str(path))
    assert find_cjk_font() == path


def test_raster_bytes_equal_python_escpos_image_output(receipt):
    """Our packed GS v 0 must be byte for byte what python-escpos' image() sends (fragments included)."""
    image = render_receipt_image(receipt, RASTER_58)
    assert image.height > raster.RASTER_FRAGMENT_ROWS  # exercises the split
    reference = Dummy(profile="POS-5890")  # 384 dots, so image() knows the paper width
    reference.image(image, impl="bitImageRaster")
    assert raster.raster_command(image) == reference.output
    job = render_receipt(receipt, RASTER_58)
    assert reference.output in job and job.startswith(b"\x1b@\x1dv0")
