"""The renderer's handling of cuts: the layout says where a page ends, in both modes."""

from __future__ import annotations

import pytest

from devices.printer.base import PrinterProfile
from devices.printer.blocks import Cut, Text
from devices.printer.render import to_escpos
from tests.support.escpos_interpreter import Interpreter

TWO_PAGES = [Text("第一页 page one"), Cut(), Text("第二页 page two"), Cut()]


@pytest.mark.parametrize("profile", [PrinterProfile(gb18030=True), PrinterProfile(gb18030=False)], ids=["text", "raster"])
def test_each_cut_block_cuts_once_and_pages_keep_their_order(profile):
    job = to_escpos(TWO_PAGES, profile)
    page = Interpreter(384).render(job)
    assert page.cuts == 2
    if profile.gb18030:
        assert [line.text for line in page.lines] == ["第一页 page one", "第二页 page two"]
        assert all(line.chinese_mode for line in page.lines)  # Chinese mode back on after the cut
    else:
        assert len(page.graphics) == 2 and page.graphics[0].y < page.graphics[1].y


def test_without_a_cut_block_the_job_does_not_cut():
    job = to_escpos([Text("no cut")], PrinterProfile(gb18030=True))
    assert Interpreter(384).render(job).cuts == 0
    assert job.endswith(b"\x1c.")  # Chinese mode is still switched off at the end


#: What a hostile catalog or card could hold (issue 12, finding 3): ESC @ (reset), GS V 0 (cut),
#: DLE DC4 (real-time pulse), a C1 CSI, NUL, BEL, DEL, bidi overrides and isolates, a line break.
HOSTILE = "办理\x1b@居住证\x1dV\x00签注\x10\x14\x9b2J\x07\x7f\u202etxt.exe\u2066隔离\u2069\n第二行"
SHOWN = "办理@居住证V签注2Jtxt.exe隔离 第二行"


@pytest.mark.parametrize("profile", [PrinterProfile(gb18030=True), PrinterProfile(gb18030=False)], ids=["text", "raster"])
def test_control_bytes_in_a_text_never_reach_the_printer(profile):
    hostile = to_escpos([Text(HOSTILE), Cut()], profile)
    clean = to_escpos([Text(SHOWN), Cut()], profile)
    assert hostile == clean, "the job is exactly the job of the visible text"
    page = Interpreter(384).render(hostile)
    assert page.cuts == 1
    if profile.gb18030:
        assert "".join(line.text for line in page.lines) == SHOWN  # wrapped at the paper width


def test_printable_keeps_every_visible_character_and_nbsp():
    from devices.printer.blocks import NBSP, printable

    visible = "张三 SMITH, JOHN ½ ①〇 — “引号” ½ emoji😀" + NBSP
    assert printable(visible) == visible
    assert printable("a\tb\r\nc") == "a b  c"
