"""Receipt -> ESC/POS bytes, in the printer's Chinese mode or as a raster image.

The content is laid out once as a list of blocks (text lines with a size, rules, the QR
code); two renderers turn blocks into bytes:

- text mode (profile.gb18030): the printer's own Chinese font. FS & selects Chinese
  (Kanji) mode and the text goes out as GB18030. python-escpos is NOT used for the text
  itself: its MagicEncode switches to GB18030 only for lines with a character in
  U+4E00..U+9FA5 and never sends FS &, so a line of full-width punctuation, or a printer
  whose Chinese mode is off by default, would print garbage. Sizes use GS ! (which scales
  Chinese and ASCII alike; ESC ! does not scale Chinese on most printers).
- raster mode (otherwise): the receipt is drawn with a CJK font (Debian fonts-noto-cjk)
  into a 1-bit image as wide as the paper and sent as GS v 0. Works on any ESC/POS
  printer; the same image is what `receipt render --png` shows.

Both end with a cut (or a feed where the profile has no cutter).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import qrcode
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont, ImageOps

from devices.printer.base import PrinterProfile
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt import Receipt, ReceiptStatus

Size = Literal["small", "normal", "large", "title"]

#: Joins words that must stay on one line; printed as a plain space.
NBSP = "\u00a0"

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."

#: Where the CJK font is looked for, in order ($KIOSK_CJK_FONT first). Debian/Ubuntu's
#: fonts-noto-cjk is what the project installs; the others cover other distributions.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_ENV = "KIOSK_CJK_FONT"


class FontNotFound(RuntimeError):
    """No CJK font on this machine: raster receipts cannot be drawn."""


@dataclasses.dataclass(frozen=True, slots=True)
class Text:
    text: str
    size: Size = "normal"
    align: Literal["left", "center"] = "left"
    bold: bool = False
    #: Keep on one line (a number that must be read whole): smaller font rather than wrap.
    one_line: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class QR:
    data: str


Block = Text | Rule | QR

# --- content ------------------------------------------------------------------------

LABELS: dict[str, dict[Lang, str]] = {
    "title": {Lang.ZH_HANS: "政务服务回执", Lang.ZH_HANT: "政務服務回執", Lang.EN: "Government Service Receipt"},
    "service": {Lang.ZH_HANS: "办理事项", Lang.ZH_HANT: "辦理事項", Lang.EN: "Service"},
    "number": {Lang.ZH_HANS: "回执编号", Lang.ZH_HANT: "回執編號", Lang.EN: "Receipt No."},
    "time": {Lang.ZH_HANS: "提交时间", Lang.ZH_HANT: "提交時間", Lang.EN: "Submitted"},
    "applicant": {Lang.ZH_HANS: "申请人", Lang.ZH_HANT: "申請人", Lang.EN: "Applicant"},
    "id": {Lang.ZH_HANS: "证件号码", Lang.ZH_HANT: "證件號碼", Lang.EN: "ID No."},
    "status": {Lang.ZH_HANS: "办理状态", Lang.ZH_HANT: "辦理狀態", Lang.EN: "Status"},
    "queued": {
        Lang.ZH_HANS: "已保存在本驿站，联网后自动提交至政务平台",
        Lang.ZH_HANT: "已保存在本驛站，聯網後自動提交至政務平台",
        Lang.EN: "Saved at this station; it is sent to the platform automatically",
    },
    "received": {Lang.ZH_HANS: "政务平台已接收", Lang.ZH_HANT: "政務平台已接收", Lang.EN: "Received by the platform"},
    "reference": {Lang.ZH_HANS: "受理编号", Lang.ZH_HANT: "受理編號", Lang.EN: "Reference"},
    "promise": {Lang.ZH_HANS: "办理时限", Lang.ZH_HANT: "辦理時限", Lang.EN: "Processing time"},
    "instant": {Lang.ZH_HANS: "即时办结", Lang.ZH_HANT: "即時辦結", Lang.EN: "Decided at once"},
    "days": {Lang.ZH_HANS: "{n}个工作日", Lang.ZH_HANT: "{n}個工作日", Lang.EN: "{n} working days"},
    "scan": {Lang.ZH_HANS: "扫码查询办理进度", Lang.ZH_HANT: "掃碼查詢辦理進度", Lang.EN: "Scan to follow your application"},
    "hotline": {Lang.ZH_HANS: "服务热线", Lang.ZH_HANT: "服務熱線", Lang.EN: "Hotline"},
    "keep": {Lang.ZH_HANS: "请妥善保管本回执", Lang.ZH_HANT: "請妥善保管本回執", Lang.EN: "Please keep this receipt"},
}


def _bi(key: str, lang: Lang, **values: object) -> tuple[str, str | None]:
    """The zh-Hans text and, when the session's language says something else, that text."""
    main = LABELS[key][Lang.ZH_HANS].format(**values)
    other = LABELS[key][lang].format(**values)
    return main, (other if other != main else None)


def _label(key: str, lang: Lang) -> str:
    main, other = _bi(key, lang)
    return f"{main} {other}" if other else main


def _sentence(key: str, lang: Lang, align: Literal["left", "center"] = "left", **values: object) -> list[Block]:
    main, other = _bi(key, lang, **values)
    blocks: list[Block] = [Text(main, align=align)]
    if other:
        blocks.append(Text(other, size="small", align=align))
    return blocks


def receipt_blocks(receipt: Receipt) -> list[Block]:
    lang = receipt.language
    title, title_other = _bi("title", lang)
    blocks: list[Block] = [Text(title, size="title", align="center", bold=True)]
    if title_other:
        blocks.append(Text(title_other, size="small", align="center"))
    blocks += [
        Text(receipt.station_name, align="center"),
        Text(receipt.station_address, size="small", align="center"),
        Rule(),
        Text(_label("service", lang), size="small"),
        Text(receipt.service_name.zh_hans, bold=True),
    ]
    if lang is not Lang.ZH_HANS and receipt.service_name.get(lang) != receipt.service_name.zh_hans:
        blocks.append(Text(receipt.service_name.get(lang), size="small"))
    blocks += [
        Text(_label("number", lang), size="small"),
        Text(receipt.receipt_number, size="large", bold=True, one_line=True),
        Text(f"{_label('time', lang)}: {receipt.local_time:%Y-%m-%d}{NBSP}{receipt.local_time:%H:%M}"),
    ]
    if receipt.masked_name:
        blocks.append(Text(f"{_label('applicant', lang)}: {receipt.masked_name}"))
    if receipt.masked_id_number:
        blocks.append(Text(f"{_label('id', lang)}: {receipt.masked_id_number}"))
    blocks += [Rule(), Text(_label("status", lang), size="small")]
    if receipt.status is ReceiptStatus.RECEIVED:
        blocks += _sentence("received", lang)
        blocks.append(Text(f"{_label('reference', lang)}: {receipt.platform_reference}", bold=True))
    else:
        blocks += _sentence("queued", lang)
    if receipt.promise is not None:
        blocks.append(Text(_label("promise", lang), size="small"))
        if receipt.promise.instant:
            blocks += _sentence("instant", lang)
        else:
            blocks += _sentence("days", lang, n=receipt.promise.working_days)
    blocks += [Rule(), QR(receipt.qr_url)]
    blocks += _sentence("scan", lang, align="center")
    blocks += [
        Text(f"{_label('hotline', lang)}: {receipt.hotline}", align="center", bold=True),
        *_sentence("keep", lang, align="center"),
    ]
    return blocks


def self_test_blocks(station_name: str, printer_name: str, profile: PrinterProfile, status_line: str) -> list[Block]:
    """The technician's test page: both scripts, every size, a rule, a QR code and a cut."""
    return [
        Text("打印测试", size="title", align="center", bold=True),
        Text("Printer test", size="small", align="center"),
        Text(station_name, align="center"),
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
        QR("https://zwfw.example.gov.cn/s/test"),
        Text("扫码应显示测试网址 / QR must read the test URL", size="small", align="center"),
    ]


# --- wrapping ------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns on a printer: wide (CJK, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    """Words for Latin runs (with their trailing space), single characters for CJK."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if display_width(ch) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
            if ch == " ":
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy wrap: as many tokens per line as `fits`; a token too long alone is split.

    Lines come back with NBSP turned into plain spaces (NBSP only prevents a break)."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if fits(line + token.rstrip()):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        for ch in token:
            if not fits(line + ch) and line:
                lines.append(line)
                line = ""
            line += ch
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return [line.replace(NBSP, " ") for line in lines]


# --- text mode (GB18030) -------------------------------------------------------------

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


def qr_module_size(profile: PrinterProfile) -> int:
    """Dots per QR module: about half the paper width for a status URL."""
    return max(3, min(8, profile.width_dots // 64))


def _text_mode(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    printer = _dummy(profile)
    printer.hw("INIT")
    printer._raw(FS_CHINESE_ON)
    for block in blocks:
        if isinstance(block, Rule):
            printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
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
    printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
    printer._raw(FS_CHINESE_OFF)
    printer.cut()
    return printer.output


# --- raster mode ---------------------------------------------------------------------


def find_cjk_font() -> Path:
    """The first CJK font that exists; FontNotFound names what to install."""
    candidates = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else []
    candidates += FONT_CANDIDATES
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontNotFound(
        "no CJK font for receipts: install the Debian package fonts-noto-cjk "
        f"or set ${FONT_ENV} (looked at {', '.join(candidates)})"
    )


@functools.lru_cache(maxsize=64)
def _font(path: Path, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    if bold and path.name == "NotoSansCJK-Regular.ttc" and (path.parent / "NotoSansCJK-Bold.ttc").is_file():
        path = path.parent / "NotoSansCJK-Bold.ttc"
    if path.suffix.lower() == ".ttc":
        for index in range(8):  # pick the Simplified Chinese face of a collection
            try:
                face = ImageFont.truetype(str(path), size, index=index)
            except OSError:
                break
            if face.getname()[0].endswith(" SC"):
                return face
    return ImageFont.truetype(str(path), size)


@functools.lru_cache(maxsize=4096)
def _char_advance(font: ImageFont.FreeTypeFont, char: str) -> float:
    return font.getlength(char)


def _advance(font: ImageFont.FreeTypeFont, text: str) -> float:
    """Width of `text` as the sum of its characters' advances (no kerning: CJK fonts
    barely kern, and it turns wrapping from quadratic into linear)."""
    return sum(_char_advance(font, char) for char in text)


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
    """The blocks drawn on a white 1-bit strip as wide as the paper."""
    font_path = find_cjk_font()
    sizes = raster_sizes(profile)
    width = profile.width_dots
    margin = 4
    pieces: list[tuple[str, object, int]] = []  # (kind, payload, height)
    for block in blocks:
        if isinstance(block, Rule):
            pieces.append(("rule", None, 14))
        elif isinstance(block, QR):
            image = qr_image(block.data, profile)
            pieces.append(("image", image, image.height + 6))
        else:
            usable = width - 2 * margin
            px = sizes[block.size]
            font = _font(font_path, px, block.bold)
            while block.one_line and px > sizes["small"] and _advance(font, block.text) > usable:
                px -= 1
                font = _font(font_path, px, block.bold)
            line_height = round(sizes[block.size] * 1.3)
            for line in wrap(block.text, lambda s, f=font: _advance(f, s) <= usable):
                pieces.append(("text", (line, font, block.align), line_height))
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
            line, font, align = payload
            x = margin if align == "left" else (width - _advance(font, line)) / 2
            draw.text((x, y), line, font=font, fill=0)
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


def _raster_mode(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    printer = _dummy(profile)
    printer.hw("INIT")
    printer._raw(raster_command(render_image(blocks, profile)))
    printer.cut()
    return printer.output


def to_escpos(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    """One whole job: text mode where the printer has a GB18030 font, raster otherwise."""
    return _text_mode(blocks, profile) if profile.gb18030 else _raster_mode(blocks, profile)


def render_receipt(receipt: Receipt, profile: PrinterProfile) -> bytes:
    return to_escpos(receipt_blocks(receipt), profile)


def render_receipt_image(receipt: Receipt, profile: PrinterProfile) -> Image.Image:
    """What the receipt looks like (raster rendering), for `receipt render --png` and screens."""
    return render_image(receipt_blocks(receipt), profile)
