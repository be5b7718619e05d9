"""Synthetic passport and ID pages with a machine-readable zone, as the document camera sees them.

Everything is made here: fictional holders, MRZs with correct check digits (TD1, TD2, TD3),
the MRZ set in OCR-B (Debian's fonts-ocr-b) at ICAO's size on a page with a photo box,
other printed lines and background pattern, then laid on a camera frame with the nuisances
of a real platen: perspective, blur, glare, uneven light, sensor noise and JPEG.

Pages are drawn from a seed, so a split is a range of seeds: `TUNING` (and the retired first
held-out range) for developing the reader, `HELD_OUT` for measuring it (bench/mrz.py).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from devices.card.mrz import MrzFormat, check_digit

OCR_B = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
TUNING = range(0, 200)
#: Seeds 10000-10119 were the first held-out split; a wrong key accepted on one of them led to
#: a rule change (no O/0 repair on a fitted line), so they count as tuning now and this is fresh.
HELD_OUT = range(20_000, 20_120)
#: Page size in mm for each format (ID-1 card, ID-2, passport data page).
PAGE_MM = {MrzFormat.TD1: (85.6, 54.0), MrzFormat.TD2: (105.0, 74.0), MrzFormat.TD3: (125.0, 88.0)}
WIDTH = {MrzFormat.TD1: 30, MrzFormat.TD2: 36, MrzFormat.TD3: 44}
SURNAMES = ["CHAN", "WONG", "LEUNG", "HO", "SMITH", "MULLER", "DA SILVA", "NGUYEN", "OCONNOR", "ZHANG"]
GIVEN = ["TAI MAN", "MEI LING", "JOHN", "ANA MARIA", "KA WAI", "PETER PAUL", "XIAO MING", "SIU FONG"]
STATES = ["CHN", "HKG", "MAC", "GBR", "PRT", "UTO", "D<<"]


@dataclass(frozen=True)
class Holder:
    """A fictional holder and document (what the MRZ encodes)."""

    fmt: MrzFormat
    state: str
    number: str
    surname: str
    given: str
    birth: str  # YYMMDD
    expiry: str
    sex: str


@dataclass(frozen=True)
class Page:
    holder: Holder
    lines: tuple[str, ...]  # the MRZ as printed: the truth
    image: np.ndarray  # BGR camera frame


def random_holder(rng: random.Random, fmt: MrzFormat) -> Holder:
    alnum = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    number = "".join(rng.choice(alnum) for _ in range(rng.choice([8, 9])))
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))
    expiry = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365 * 10))
    return Holder(fmt, rng.choice(STATES), number, rng.choice(SURNAMES), rng.choice(GIVEN),
                  birth.strftime("%y%m%d"), expiry.strftime("%y%m%d"), rng.choice("MF<"))


def compose(h: Holder) -> tuple[str, ...]:
    """The MRZ lines of `h`, with every check digit right (ICAO 9303 parts 4-6)."""
    width = WIDTH[h.fmt]
    number = h.number.ljust(9, "<")
    name = (h.surname.replace(" ", "<") + "<<" + h.given.replace(" ", "<")).ljust(width, "<")
    if h.fmt is MrzFormat.TD1:
        l1 = ("I<" + h.state + number + check_digit(number)).ljust(30, "<")
        l2 = h.birth + check_digit(h.birth) + h.sex + h.expiry + check_digit(h.expiry) + h.state
        l2 = l2.ljust(29, "<")
        l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        return l1, l2, name[:30]
    code = "P<" if h.fmt is MrzFormat.TD3 else "I<"
    l1 = (code + h.state + name)[:width]
    l2 = number + check_digit(number) + h.state + h.birth + check_digit(h.birth) + h.sex
    l2 += h.expiry + check_digit(h.expiry)
    if h.fmt is MrzFormat.TD3:
        l2 += "<" * 14 + "<"
        l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    else:
        l2 += "<" * 7
        l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:35])
    return l1, l2


def _page(rng: random.Random, h: Holder, lines: tuple[str, ...], px_per_mm: float) -> Image.Image:
    w_mm, h_mm = PAGE_MM[h.fmt]
    w, hh = round(w_mm * px_per_mm), round(h_mm * px_per_mm)
    tint = tuple(rng.randint(215, 245) for _ in range(3))
    page = Image.new("RGB", (w, hh), tint)
    draw = ImageDraw.Draw(page)
    for _ in range(40):  # guilloche-like background lines
        y = rng.uniform(0, hh)
        colour = tuple(max(0, c - rng.randint(15, 45)) for c in tint)
        draw.arc([rng.uniform(-w, 0), y - hh, rng.uniform(w, 2 * w), y + hh], 0, 180, fill=colour, width=1)
    photo = [round(5 * px_per_mm), round(9 * px_per_mm), round(w_mm * 0.28 * px_per_mm), round(h_mm * 0.62 * px_per_mm)]
    draw.rectangle(photo, fill=tuple(rng.randint(120, 190) for _ in range(3)))
    small = ImageFont.truetype(OCR_B, max(8, round(2.2 * px_per_mm)))
    x0 = photo[2] + round(4 * px_per_mm)
    for i, text in enumerate((h.surname, h.given, h.number, h.birth, h.expiry)):
        draw.text((x0, round((10 + i * 6) * px_per_mm)), text, fill=(40, 40, 60), font=small)
    # MRZ: OCR-B at 10 characters per inch (2.54 mm pitch), lines 4.2 mm apart, 5 mm off the foot;
    # the font size is the one whose advance is that pitch, so no glyph is stretched
    pitch = 2.54 * px_per_mm
    probe = ImageFont.truetype(OCR_B, 100)
    font = ImageFont.truetype(OCR_B, round(100 * pitch / probe.getlength("<")))
    band_w, band_h = round(pitch * len(lines[0])) + 4, round(4.2 * px_per_mm * len(lines))
    band = Image.new("L", (band_w, band_h), 0)
    bd = ImageDraw.Draw(band)
    for i, line in enumerate(lines):
        bd.text((2, round(i * 4.2 * px_per_mm)), line, fill=255, font=font)
    top = hh - round(5 * px_per_mm) - band_h
    ink = Image.new("RGB", band.size, (20, 20, 25))
    page.paste(ink, (round((w - band_w) / 2), top), band)
    return page


def _on_platen(rng: random.Random, page: np.ndarray, frame_w: int, frame_h: int) -> np.ndarray:
    """Lay the page on a dark mat with perspective, then add light, blur, glare, noise, JPEG."""
    ph, pw = page.shape[:2]
    scale = rng.uniform(0.55, 0.8) * frame_w / pw
    cx, cy = frame_w / 2 + rng.uniform(-0.08, 0.08) * frame_w, frame_h / 2 + rng.uniform(-0.06, 0.06) * frame_h
    angle = np.deg2rad(rng.uniform(-6, 6))
    corners = np.float32([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]]) * scale
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = corners @ rot.T + np.float32([cx, cy])
    dst += np.float32([[rng.uniform(-1, 1) * 0.025 * frame_w, rng.uniform(-1, 1) * 0.025 * frame_h] for _ in range(4)])
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]]), dst)
    mat = np.full((frame_h, frame_w, 3), rng.randint(25, 60), np.uint8)
    frame = cv2.warpPerspective(page, m, (frame_w, frame_h), dst=mat, borderMode=cv2.BORDER_TRANSPARENT)
    img = frame.astype(np.float32)
    xs = np.linspace(-1, 1, frame_w, dtype=np.float32)[None, :, None]
    img *= 1 + rng.uniform(-0.15, 0.15) * xs  # light falling off to one side
    if rng.random() < 0.5:  # glare: a soft bright spot somewhere on the page
        gx, gy = rng.uniform(0.2, 0.8) * frame_w, rng.uniform(0.2, 0.8) * frame_h
        yy, xx = np.mgrid[0:frame_h, 0:frame_w].astype(np.float32)
        radius = rng.uniform(0.05, 0.12) * frame_w
        img += (rng.uniform(60, 140) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius ** 2)))[..., None]
    sigma = rng.uniform(0.0, 1.2)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img += np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(1, 5), img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(60, 92)])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def holder_page(holder: Holder, seed: int = 0, frame: tuple[int, int] = (1280, 960)) -> Page:
    """The camera frame of `holder`'s page (a known document, e.g. the simulated reader's passport)."""
    rng = random.Random(seed)
    lines = compose(holder)
    page = _page(rng, holder, lines, px_per_mm=12)
    return Page(holder, lines, _on_platen(rng, cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), *frame))


def make_page(seed: int, fmt: MrzFormat | None = None, frame: tuple[int, int] = (1280, 960),
              edit: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None) -> Page:
    """The camera frame of page `seed` (its format drawn from the seed unless given);
    `edit` changes the printed lines (a forged or misprinted MRZ), `Page.lines` stays true."""
    rng = random.Random(seed)
    fmt = fmt or rng.choice([MrzFormat.TD3, MrzFormat.TD3, MrzFormat.TD1, MrzFormat.TD2])
    holder = random_holder(rng, fmt)
    lines = compose(holder)
    printed = edit(lines) if edit else lines
    page = _page(rng, holder, printed, px_per_mm=12)
    image = _on_platen(rng, cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), *frame)
    return Page(holder, lines, image)
