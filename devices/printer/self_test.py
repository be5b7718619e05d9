"""The one printer test page, printed by `printer test` and the technician's device screen.

It shows what a technician must check by eye on the paper: both Chinese scripts in the
printer's mode, every text size, a receipt number at its size, a QR code that must read
the test URL, and the cut; plus which printer, profile and mode printed it.
"""

from __future__ import annotations

from devices.printer.base import PrinterProfile, PrinterStatus, ReceiptPrinter
from devices.printer.blocks import QR, Block, Cut, Rule, Text
from devices.printer.render import to_escpos

#: What the test page's QR code must read.
TEST_URL = "https://zwfw.example.gov.cn/s/test"


def self_test_blocks(station: str, printer_name: str, profile: PrinterProfile, status_line: str) -> list[Block]:
    """The test page: both scripts, every size, a rule, a QR code and a cut."""
    return [
        Text("打印测试", size="title", align="center", bold=True),
        Text("Printer test", size="small", align="center"),
        Text(station, align="center"),
        Rule(),
        Text(f"printer: {printer_name}"),
        Text(f"profile: {profile.name}, {profile.width_dots} dots, {profile.columns} columns"),
        Text(f"mode: {'GB18030 text' if profile.gb18030 else 'raster'}, QR {'native' if profile.native_qr else 'image'}"),
        Text(f"status: {status_line}"),
        Rule(),
        Text("简体：政务服务一网通办", size="normal"),
        Text("繁體：政務服務一網通辦", size="normal"),
        Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", size="small"),
        Text("GZHZ0001-20261123-0001-Q", size="large", bold=True, one_line=True),
        QR(TEST_URL),
        Text("扫码应显示测试网址 / QR must read the test URL", size="small", align="center"),
        Cut(),
    ]


def _status_line(status: PrinterStatus) -> str:
    return f"{status.state.value} ({status.detail})" if status.detail else status.state.value


def print_self_test(printer: ReceiptPrinter, station: str) -> int:
    """Print the test page on `printer`; the number of bytes sent.

    Raises a PrinterError (paper out, cover open, offline, FontNotFound on a raster
    printer without a CJK font on the station); blocking, bounded by the printer's timeouts.
    """
    blocks = self_test_blocks(station, printer.name, printer.profile, _status_line(printer.status()))
    job = to_escpos(blocks, printer.profile)
    printer.print_bytes(job)
    return len(job)
