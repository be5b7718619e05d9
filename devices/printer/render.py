"""Blocks -> one ESC/POS job, in the printer's Chinese mode or as a raster image.

- text mode (profile.gb18030): the printer's own Chinese font. FS & selects Chinese
  (Kanji) mode and the text goes out as GB18030. python-escpos is NOT used for the text
  itself: its MagicEncode switches to GB18030 only for lines with a character in
  U+4E00..U+9FA5 and never sends FS &, so a line of full-width punctuation, or a printer
  whose Chinese mode is off by default, would print garbage. Sizes use GS ! (which scales
  Chinese and ASCII alike; ESC ! does not scale Chinese on most printers).
- raster mode (otherwise): the blocks are drawn by `raster.render_image` and sent as
  GS v 0. Works on any ESC/POS printer; the same image is what `receipt render --png` shows.

A `Cut` block cuts (or feeds, where the profile has no cutter) at its place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from escpos.printer import Dummy

from devices.printer.base import PrinterProfile
from devices.printer.blocks import QR, Block, Cut, Rule, Size, display_width, wrap
from devices.printer.raster import qr_image, qr_module_size, raster_command, render_image

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."

#: GS ! multipliers (width, height) per size in text mode.
TEXT_MODE_SIZES: dict[Size, tuple[int, int]] = {"small": (1, 1), "normal": (1, 1), "large": (1, 2), "title": (2, 2)}


def _dummy(profile: PrinterProfile) -> Dummy:
    printer = Dummy(profile=profile.name)
    # A per-instance copy: python-escpos shares profile data between instances, and the
    # image/centre code needs the paper width, which "default" leaves unknown.
    data = dict(printer.profile.profile_data)
    data["media"] = {**data.get("media", {}), "width": {"pixels": profile.width_dots}}
    printer.profile.profile_data = data
    return printer


def _plain(printer: Dummy) -> None:
    printer.set(align="left", bold=False, custom_size=True, width=1, height=1)


def _text_mode(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    printer = _dummy(profile)
    printer.hw("INIT")
    chinese = False
    for block in blocks:
        if isinstance(block, Cut):
            if chinese:
                _plain(printer)
                printer._raw(FS_CHINESE_OFF)
                chinese = False
            printer.cut()
            continue
        if not chinese:
            printer._raw(FS_CHINESE_ON)
            chinese = True
        if isinstance(block, Rule):
            _plain(printer)
            printer._raw(b"-" * profile.columns + b"\n")
        elif isinstance(block, QR):
            printer.set(align="center", custom_size=True, width=1, height=1)
            if profile.native_qr:
                printer.qr(block.data, ec=1, size=qr_module_size(profile), native=True)
                printer._raw(b"\n")
            else:
                printer.image(qr_image(block.data, profile), center=False)
        else:
            width, height = TEXT_MODE_SIZES[block.size]
            printer.set(align=block.align, bold=block.bold, custom_size=True, width=width, height=height)
            for line in wrap(block.text, lambda s: display_width(s) * width <= profile.columns):
                printer._raw(line.encode("gb18030") + b"\n")
    if chinese:
        _plain(printer)
        printer._raw(FS_CHINESE_OFF)
    return printer.output


def _pages(blocks: Sequence[Block]) -> Iterator[tuple[list[Block], bool]]:
    """The blocks between cuts, each with whether a cut follows it."""
    page: list[Block] = []
    for block in blocks:
        if isinstance(block, Cut):
            yield page, True
            page = []
        else:
            page.append(block)
    if page:
        yield page, False


def _raster_mode(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    printer = _dummy(profile)
    printer.hw("INIT")
    for page, cut in _pages(blocks):
        if page:
            printer._raw(raster_command(render_image(page, profile)))
        if cut:
            printer.cut()
    return printer.output


def to_escpos(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    """One whole job: text mode where the printer has a GB18030 font, raster otherwise.

    Raises FontNotFound in raster mode when the station has no CJK font."""
    return _text_mode(blocks, profile) if profile.gb18030 else _raster_mode(blocks, profile)
