"""An ESC/POS interpreter that renders a job to an image, for tests.

It reads the bytes a printer would receive and does what a 203 dpi thermal printer does:
text in font A (12x24 dots; 24x24 for Chinese in Chinese mode, decoded as GB18030),
GS ! / ESC ! sizes, ESC a alignment, ESC E bold, raster images (GS v 0), QR codes
(GS ( k, drawn with the `qrcode` library from the stored data), feeds and cuts. Unknown
commands raise, so a malformed job fails the test instead of printing garbage unnoticed.

Besides the picture it records what it printed (`Page.lines`, `Page.qr_payloads`,
`Page.cuts`) so tests can check content and layout without OCR.
"""

from __future__ import annotations

import dataclasses

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.printer.fonts import find_cjk_font

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
CELL_W, CELL_H, LINE_GAP = 12, 24, 6


class InterpreterError(ValueError):
    """The bytes are not a valid job (unknown or truncated command)."""


@dataclasses.dataclass
class Line:
    text: str
    y: int
    height: int
    width: int  # dots actually used
    align: str
    size: tuple[int, int]  # (width, height) multipliers
    bold: bool
    chinese_mode: bool
    overflow: bool  # wider than the paper: a real printer would wrap it


@dataclasses.dataclass
class Graphic:
    kind: str  # "raster" or "qr"
    x: int
    y: int
    width: int
    height: int


@dataclasses.dataclass
class Page:
    image: Image.Image
    lines: list[Line]
    graphics: list[Graphic]
    qr_payloads: list[str]
    cuts: int
    status_queries: list[int]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclasses.dataclass
class _State:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    chinese: bool = False


class Interpreter:
    def __init__(self, width_dots: int = 384) -> None:
        self.width_dots = width_dots
        self._font_path = str(find_cjk_font())
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def _font(self, px: int) -> ImageFont.FreeTypeFont:
        if px not in self._fonts:
            self._fonts[px] = ImageFont.truetype(self._font_path, px, index=2 if self._font_path.endswith(".ttc") else 0)
        return self._fonts[px]

    def render(self, data: bytes) -> Page:
        self._canvas = Image.new("1", (self.width_dots, 20000), 1)
        self._draw = ImageDraw.Draw(self._canvas)
        self._draw.fontmode = "1"
        self._y = 0
        self._state = _State()
        self._line: list[tuple[str, int, int, bool]] = []  # char, w, h, bold
        self._lines: list[Line] = []
        self._graphics: list[Graphic] = []
        self._qr_store = b""
        self._qr_module = 3
        self._qr_ec = qrcode.constants.ERROR_CORRECT_L
        self._qr_payloads: list[str] = []
        self._cuts = 0
        self._queries: list[int] = []
        self._parse(data)
        if self._line:
            self._newline()  # a real printer holds it until LF; we show it anyway
        image = self._canvas.crop((0, 0, self.width_dots, max(self._y, 1)))
        return Page(image, self._lines, self._graphics, self._qr_payloads, self._cuts, self._queries)

    # --- parsing ---------------------------------------------------------------------

    def _parse(self, data: bytes) -> None:
        i, n = 0, len(data)

        def need(count: int) -> bytes:
            if i + count > n:
                raise InterpreterError(f"truncated command at offset {i}")
            return data[i : i + count]

        while i < n:
            b = data[i]
            if b == 0x0A:
                self._newline()
                i += 1
            elif b == ESC:
                cmd = need(2)[1]
                if cmd == 0x40:  # ESC @
                    self._state = _State()
                    i += 2
                elif cmd in (0x61, 0x45, 0x21, 0x64, 0x4A, 0x74, 0x4D, 0x2D, 0x33):  # ESC x n
                    arg = need(3)[2]
                    self._esc(cmd, arg)
                    i += 3
                elif cmd == 0x32:  # ESC 2: default line spacing
                    i += 2
                else:
                    raise InterpreterError(f"unknown command ESC 0x{cmd:02x} at offset {i}")
            elif b == GS:
                cmd = need(2)[1]
                if cmd == 0x21:  # GS ! n
                    arg = need(3)[2]
                    self._state.width, self._state.height = (arg >> 4) + 1, (arg & 0x0F) + 1
                    i += 3
                elif cmd == 0x76:  # GS v 0 m xL xH yL yH d1...dk
                    head = need(8)
                    if head[2] != 0x30:
                        raise InterpreterError(f"GS v {head[2]} unsupported at offset {i}")
                    width_bytes = head[4] | head[5] << 8
                    height = head[6] | head[7] << 8
                    body = data[i + 8 : i + 8 + width_bytes * height]
                    if len(body) != width_bytes * height:
                        raise InterpreterError(f"raster image truncated at offset {i}")
                    self._raster(width_bytes, height, body)
                    i += 8 + width_bytes * height
                elif cmd == 0x28:  # GS ( k pL pH cn fn ...
                    head = need(5)
                    if head[2] != 0x6B:
                        raise InterpreterError(f"GS ( {chr(head[2])} unsupported at offset {i}")
                    length = head[3] | head[4] << 8
                    params = data[i + 5 : i + 5 + length]
                    if len(params) != length:
                        raise InterpreterError(f"GS ( k truncated at offset {i}")
                    self._two_d(params)
                    i += 5 + length
                elif cmd == 0x56:  # GS V m [n]
                    mode = need(3)[2]
                    i += 4 if mode in (65, 66) else 3
                    self._flush_pending()
                    self._cuts += 1
                elif cmd == 0x42:  # GS B n: reverse
                    i += 3
                else:
                    raise InterpreterError(f"unknown command GS 0x{cmd:02x} at offset {i}")
            elif b == FS:
                cmd = need(2)[1]
                if cmd == 0x26:
                    self._state.chinese = True
                elif cmd == 0x2E:
                    self._state.chinese = False
                else:
                    raise InterpreterError(f"unknown command FS 0x{cmd:02x} at offset {i}")
                i += 2
            elif b == DLE:
                cmd = need(2)[1]
                if cmd == 0x04:  # DLE EOT n: real-time status (no printing effect)
                    self._queries.append(need(3)[2])
                    i += 3
                elif cmd == 0x14:  # DLE DC4 fn ...: real-time, clear buffers = 10 bytes
                    i += 10 if need(3)[2] == 8 else 5
                else:
                    raise InterpreterError(f"unknown command DLE 0x{cmd:02x} at offset {i}")
            elif b < 0x20:
                raise InterpreterError(f"unknown control byte 0x{b:02x} at offset {i}")
            elif b >= 0x80 and self._state.chinese:
                length = 4 if i + 1 < n and 0x30 <= data[i + 1] <= 0x39 else 2
                try:
                    char = need(length).decode("gb18030")
                except UnicodeDecodeError:
                    raise InterpreterError(f"invalid GB18030 at offset {i}") from None
                self._add_char(char)
                i += length
            elif b >= 0x80:
                raise InterpreterError(f"byte 0x{b:02x} outside Chinese mode at offset {i} (code page text)")
            else:
                self._add_char(chr(b))
                i += 1

    def _esc(self, cmd: int, arg: int) -> None:
        if cmd == 0x61:
            self._state.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}[arg]
        elif cmd == 0x45:
            self._state.bold = bool(arg & 1)
        elif cmd == 0x21:  # ESC ! n: bit 4 double height, bit 5 double width, bit 3 bold
            self._state.height = 2 if arg & 0x10 else 1
            self._state.width = 2 if arg & 0x20 else 1
            self._state.bold = bool(arg & 0x08)
        elif cmd == 0x64:  # ESC d n: print and feed n lines
            self._flush_pending()
            self._y += arg * (CELL_H + LINE_GAP)
        elif cmd == 0x4A:  # ESC J n: feed n dots
            self._flush_pending()
            self._y += arg

    # --- drawing ---------------------------------------------------------------------

    def _add_char(self, char: str) -> None:
        self._line.append((char, self._state.width, self._state.height, self._state.bold))

    def _flush_pending(self) -> None:
        if self._line:
            self._newline()

    def _newline(self) -> None:
        if not self._line:
            self._y += CELL_H + LINE_GAP
            return
        advances = [(2 if ord(ch) > 0x2E7F else 1) * CELL_W * w for ch, w, _, _ in self._line]
        width = sum(advances)
        height = max(h for _, _, h, _ in self._line) * CELL_H
        x = {"left": 0, "center": (self.width_dots - width) // 2, "right": self.width_dots - width}[self._state.align]
        x = max(0, x)
        for (ch, w, h, bold), advance in zip(self._line, advances):
            # Draw the glyph, then squeeze it into its cell (12 or 24 dots times the
            # multipliers) the way a printer's bitmap font fills its cell.
            font = self._font(20 * h)
            glyph = Image.new("L", (max(1, round(font.getlength(ch))) + 2, CELL_H * h), 0)
            ImageDraw.Draw(glyph).text((1, 20 * h), ch, font=font, fill=255, anchor="ls")
            if bold:
                ImageDraw.Draw(glyph).text((2, 20 * h), ch, font=font, fill=255, anchor="ls")
            glyph = glyph.resize((advance, CELL_H * h), Image.Resampling.BILINEAR).point(lambda v: 255 if v > 96 else 0)
            self._canvas.paste(0, (x, self._y + height - CELL_H * h), mask=glyph.convert("1"))
            x += advance
        text = "".join(ch for ch, _, _, _ in self._line)
        self._lines.append(
            Line(
                text=text,
                y=self._y,
                height=height,
                width=width,
                align=self._state.align,
                size=(self._line[0][1], self._line[0][2]),
                bold=self._line[0][3],
                chinese_mode=self._state.chinese,
                overflow=width > self.width_dots,
            )
        )
        self._line = []
        self._y += height + LINE_GAP

    def _place(self, image: Image.Image, kind: str) -> None:
        x = {"left": 0, "center": (self.width_dots - image.width) // 2, "right": self.width_dots - image.width}[
            self._state.align
        ]
        if image.width > self.width_dots:
            raise InterpreterError(f"{kind} {image.width} dots wide on {self.width_dots}-dot paper")
        self._canvas.paste(image, (max(0, x), self._y))
        self._graphics.append(Graphic(kind, max(0, x), self._y, image.width, image.height))
        self._y += image.height

    def _raster(self, width_bytes: int, height: int, body: bytes) -> None:
        self._flush_pending()
        # GS v 0 data: 1 bit per dot, 1 = black; PIL mode "1" raw is 1 = white.
        inverted = bytes(255 - v for v in body)
        image = Image.frombytes("1", (width_bytes * 8, height), inverted)
        self._place(image, "raster")

    def _two_d(self, params: bytes) -> None:
        cn, fn = params[0], params[1]
        if cn != 0x31:
            raise InterpreterError(f"2D code type {cn} unsupported (only QR, cn=49)")
        if fn == 65:  # model
            return
        if fn == 67:  # module size
            self._qr_module = params[2]
        elif fn == 69:  # error correction 48..51 = L M Q H
            self._qr_ec = {
                48: qrcode.constants.ERROR_CORRECT_L,
                49: qrcode.constants.ERROR_CORRECT_M,
                50: qrcode.constants.ERROR_CORRECT_Q,
                51: qrcode.constants.ERROR_CORRECT_H,
            }[params[2]]
        elif fn == 80:  # store data (m = '0')
            self._qr_store = params[3:]
        elif fn == 81:  # print the stored symbol
            self._flush_pending()
            payload = self._qr_store.decode("utf-8")
            code = qrcode.QRCode(error_correction=self._qr_ec, box_size=self._qr_module, border=2)
            code.add_data(payload)
            code.make(fit=True)
            self._place(code.make_image().get_image().convert("1"), "qr")
            self._qr_payloads.append(payload)
        else:
            raise InterpreterError(f"QR function {fn} unsupported")
