"""Blocks drawn as a 1-bit picture as wide as the paper, and that picture as GS v 0.

For printers without a Chinese font (and for `receipt render --png`): the text is drawn
with a CJK font (Debian fonts-noto-cjk), the QR code as an image, with no anti-aliasing
since a thermal head prints dots, not grey.
"""

from __future__ import annotations

from collections.abc import Sequence

import qrcode
from PIL import Image, ImageDraw, ImageOps

from devices.printer.base import PrinterProfile
from devices.printer.blocks import QR, Block, Cut, Rule, Size, printable, wrap
from devices.printer.fonts import advance, find_cjk_font, font


def qr_module_size(profile: PrinterProfile) -> int:
    """Dots per QR module: about half the paper width for a status URL."""
    return max(3, min(8, profile.width_dots // 64))


def raster_sizes(profile: PrinterProfile) -> dict[Size, int]:
    """Font pixel sizes per size for the paper width (58 mm: 20/24/30/36)."""
    scale = profile.width_dots / 384
    return {name: round(px * scale) for name, px in (("small", 20), ("normal", 24), ("large", 30), ("title", 36))}


def qr_image(data: str, profile: PrinterProfile) -> Image.Image:
    """A 1-bit QR code (error correction M, quiet zone 2 modules) at the module size."""
    # A fixed mask pattern (the standard allows any of the eight): choosing the "best" one
    # costs 8 trial encodings, a third of a receipt's rendering time, for no gain in reading.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    small = Image.new("1", (side, side), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    module = qr_module_size(profile)
    return small.resize((side * module, side * module), Image.Resampling.NEAREST)


def render_image(blocks: Sequence[Block], profile: PrinterProfile) -> Image.Image:
    """The blocks drawn on a white 1-bit strip as wide as the paper (a cut takes no room)."""
    font_path = find_cjk_font()
    sizes = raster_sizes(profile)
    width = profile.width_dots
    margin = 4
    pieces: list[tuple[str, object, int]] = []  # (kind, payload, height)
    for block in blocks:
        if isinstance(block, Cut):
            continue
        if isinstance(block, Rule):
            pieces.append(("rule", None, 14))
        elif isinstance(block, QR):
            image = qr_image(block.data, profile)
            pieces.append(("image", image, image.height + 6))
        else:
            usable = width - 2 * margin
            px = sizes[block.size]
            face = font(font_path, px, block.bold)
            while block.one_line and px > sizes["small"] and advance(face, printable(block.text)) > usable:
                px -= 1
                face = font(font_path, px, block.bold)
            line_height = round(sizes[block.size] * 1.3)
            for line in wrap(block.text, lambda s, f=face: advance(f, s) <= usable):
                pieces.append(("text", (line, face, block.align), line_height))
    height = sum(piece[2] for piece in pieces) + 8
    canvas = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "1"  # no anti-aliasing: thermal heads print dots, not grey
    y = 4
    for kind, payload, piece_height in pieces:
        if kind == "rule":
            draw.line((margin, y + 6, width - margin, y + 6), fill=0, width=2)
        elif kind == "image":
            canvas.paste(payload, ((width - payload.width) // 2, y + 3))
        else:
            line, face, align = payload
            x = margin if align == "left" else (width - advance(face, line)) / 2
            draw.text((x, y), line, font=face, fill=0)
        y += piece_height
    return canvas


#: Rows per GS v 0 command, as python-escpos' `image()` splits (printer buffers are small).
RASTER_FRAGMENT_ROWS = 960


def raster_command(image: Image.Image) -> bytes:
    """GS v 0 commands for a 1-bit image, the bytes python-escpos' `image()` sends for it.

    Built directly from the packed 1-bit pixels: python-escpos converts through RGBA and
    greyscale first, which takes longer than drawing the whole receipt.
    """
    if image.width % 8:
        raise ValueError("raster width must be a multiple of 8 dots")
    packed = ImageOps.invert(image.convert("L")).convert("1").tobytes()  # 1 = black dot
    row_bytes = image.width // 8
    out = []
    for top in range(0, image.height, RASTER_FRAGMENT_ROWS):
        rows = min(RASTER_FRAGMENT_ROWS, image.height - top)
        header = b"\x1dv0\x00" + row_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
        out.append(header + packed[top * row_bytes : (top + rows) * row_bytes])
    return b"".join(out)
