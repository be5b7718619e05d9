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
