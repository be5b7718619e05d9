"""Realistic platen frames with ground truth, deterministic per seed.

Why it exists: no real document camera runs here, and the detector's accuracy bars must be
measured on frames whose true corners are known. The simulated camera, the tests and
`bench/docs.py` all draw from this one generator, so a frame is the same everywhere for
the same seed.

What it renders: a mat (dark, light, green cutting mat, patterned), a document (A4 page,
ID-1 card with rounded corners, passport data page, household-register booklet page) with
fictional content, any rotation and slight perspective, a drop shadow, uneven light and
vignetting, glare spots, hands, defocus or motion blur, sensor noise and JPEG artefacts.
Empty platens, hands only, and documents cut off by the frame edge are rendered too.

Widened scenes (`wide_scene`, issue 16) add what real platens show and the first generator
lacked (`synth_extras`): red and blue seals, handwriting, dark grid, wood and dark textured
mats, the camera arm's shadow, glare on the page's edge, curled pages, booklets open at a
spread, two documents at once, cheap cameras (soft, over-sharpened, hard JPEG) at 1920x1080,
1600x1200 and 1280x720, and documents cut off a little at any edge. `random_scene` draws
exactly what it drew before (tests depend on its seeds); `wide_scene` draws its extras from
a second random stream on top of it. Seeds are split: `TUNING_SEEDS` may be looked at while
tuning the detector, `HELD_OUT_SEEDS` never (only measured, by bench/docs.py and tests).

Corners are in frame pixel coordinates, ordered top-left, top-right, bottom-right,
bottom-left of the *document* (its own top edge first), as floats.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from devices.camera import synth_extras
from devices.camera.base import DocKind

MATS = ("dark", "light", "green", "patterned")
WIDE_MATS = ("grid", "wood", "textured")  # only in widened scenes
WIDE_SIZES = ((1920, 1080), (1600, 1200), (1280, 720))
TUNING_SEEDS = range(100_000, 102_000)  # widened scenes the detector may be tuned on
HELD_OUT_SEEDS = range(900_000, 902_000)  # widened scenes it is only ever measured on


class Situation(enum.StrEnum):
    """What a frame shows, as far as "is there a whole document" goes."""

    WHOLE = "whole"  # one document fully inside the frame (margin >= 1% of the frame)
    CUT = "cut"  # a document crossing the frame edge (>= 4% of its area outside)
    EMPTY = "empty"  # the bare mat
    HAND = "hand"  # a hand over the bare mat, no document
    TWO = "two"  # two whole documents side by side: pick either one or refuse, never both


@dataclass(frozen=True)
class Effects:
    """Optical and sensor effects applied after compositing (all optional)."""

    light_gradient: float = 0.0  # 0..0.5: strength of the linear illumination slope
    vignette: float = 0.0  # 0..0.5: darkening at the frame corners
    shadow_band: float = 0.0  # 0..0.4: a soft shadow (the citizen's head) across the frame
    glare_spots: int = 0
    hand: bool = False
    blur_sigma: float = 0.0  # defocus
    motion_px: int = 0  # motion blur length
    noise_sigma: float = 0.0
    jpeg_quality: int = 0  # 0 = no JPEG round trip
    exposure: float = 1.0  # global gain (under/over exposure)


@dataclass(frozen=True)
class Extras:
    """Widened conditions (all off by default, so older scenes render as they did)."""

    seals: tuple[str, ...] = ()  # inks of the seals and stamps on the page ("red", "blue")
    handwriting: bool = False
    curl: float = 0.0  # bow of one side, share of the page's long side
    spread: bool = False  # a booklet open at a spread (the truth is the spread's outline)
    glare_edge: int = 0  # glare spots centred on the page's edge
    arm_shadow: float = 0.0  # 0..0.6: depth of the camera arm's shadow
    cheap: bool = False  # cheap camera optics (soft, over-sharpened)
    second: tuple[DocKind, int, "Pose"] | None = None  # another whole document: kind, seed, pose


@dataclass(frozen=True)
class Pose:
    """Where the document lies: centre (px), rotation (deg), long side (px), perspective."""

    cx: float
    cy: float
    angle: float
    long_px: float
    tilt: tuple[float, ...] = (0.0,) * 8  # corner offsets as fractions of long_px


@dataclass(frozen=True)
class Scene:
    """Everything needed to render frames of one platen: mat, document, pose, effects."""

    width: int
    height: int
    mat: str
    mat_seed: int
    kind: DocKind | None
    doc_seed: int
    pose: Pose | None
    effects: Effects = field(default_factory=Effects)
    effects_seed: int = 0
    extras: Extras = field(default_factory=Extras)


@dataclass(frozen=True)
class Sample:
    """One rendered frame with its truth."""

    image: np.ndarray
    corners: np.ndarray | None  # (4, 2) float32, None when no document is on the platen
    situation: Situation
    kind: DocKind | None
    mat: str
    others: tuple[np.ndarray, ...] = ()  # corners of further documents (Situation.TWO)
    conditions: tuple[str, ...] = ()  # the nuisances present, for per-condition figures


# --- textures ---------------------------------------------------------------------------


def _lowfreq(rng: np.random.Generator, h: int, w: int, cells: int = 6) -> np.ndarray:
    """Smooth random field in [-1, 1] (bicubic upscaling of a small random grid)."""
    g = rng.uniform(-1, 1, size=(cells, cells)).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


@functools.lru_cache(maxsize=8)
def render_mat(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    """The platen's mat, float32 BGR in 0..255."""
    rng = np.random.default_rng(seed)
    if kind in WIDE_MATS:
        return synth_extras.render_extra_mat(kind, rng, w, h)
    if kind == "dark":
        base = rng.uniform(18, 70, 3) * np.array([1.0, 1.0, 1.0]) + rng.uniform(-8, 8, 3)
    elif kind == "light":
        # light grey, beige or pale blue: low contrast against paper on purpose
        choices = [(185, 188, 190), (168, 190, 205), (205, 195, 180), (200, 200, 200)]
        base = np.array(choices[rng.integers(len(choices))], np.float64) + rng.uniform(-12, 8, 3)
    elif kind == "green":
        base = np.array([70, 120, 40], np.float64) + rng.uniform(-15, 15, 3)
    elif kind == "patterned":
        base = rng.uniform(40, 150, 3)
    else:
        raise ValueError(f"unknown mat {kind!r}")
    img = np.empty((h, w, 3), np.float32)
    img[:] = base.astype(np.float32)
    img += (_lowfreq(rng, h, w, 5) * rng.uniform(2, 8))[..., None]
    if kind == "green":  # cutting-mat grid: thin lighter lines every ~cm, bolder every 5
        step = int(rng.uniform(0.03, 0.05) * w)
        off = int(rng.integers(0, step))
        col = (base + 45).astype(np.float32)
        for i, x in enumerate(range(off, w, step)):
            cv2.line(img, (x, 0), (x, h), col.tolist(), 2 if i % 5 == 0 else 1, cv2.LINE_AA)
        for i, y in enumerate(range(off, h, step)):
            cv2.line(img, (0, y), (w, y), col.tolist(), 2 if i % 5 == 0 else 1, cv2.LINE_AA)
    elif kind == "patterned":
        other = np.clip(base + rng.uniform(-45, 45, 3), 0, 200).astype(np.float32)
        style = rng.integers(3)
        if style == 0:  # checker
            s = int(rng.uniform(0.02, 0.06) * w)
            yy, xx = np.mgrid[0:h, 0:w]
            m = ((xx // s + yy // s) % 2).astype(bool)
            img[m] = img[m] * 0 + other
        elif style == 1:  # diagonal stripes
            s = rng.uniform(0.01, 0.04) * w
            yy, xx = np.mgrid[0:h, 0:w]
            m = (((xx + yy) / s) % 2) < 1
            img[m] = img[m] * 0 + other
        else:  # dots
            s = int(rng.uniform(0.02, 0.05) * w)
            r = max(2, int(s * rng.uniform(0.15, 0.35)))
            o = int(rng.integers(0, s))
            for y in range(o - s, h + s, s):
                for x in range(o - s + (y // s % 2) * s // 2, w + s, s):
                    cv2.circle(img, (x, y), r, other.tolist(), -1, cv2.LINE_AA)
        # fabric grain
        img += rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    return img


def _doc_size(kind: DocKind, long_side: int) -> tuple[int, int]:
    """(width, height) of the upright document texture, portrait for pages, landscape for cards."""
    short = int(round(long_side / kind.aspect))
    if kind in (DocKind.ID1,):
        return long_side, short
    return short, long_side


def _text_lines(img, rng, x0, y0, x1, y1, line_h, color, density=0.9):
    y = y0
    while y + line_h <= y1:
        x = x0
        end = x0 + (x1 - x0) * rng.uniform(0.5, 1.0)
        while x < end:
            wd = rng.uniform(1.5, 6) * line_h * 0.6
            if rng.random() < density:
                cv2.rectangle(img, (int(x), int(y)), (int(min(x + wd, x1)), int(y + line_h * 0.6)), color, -1)
            x += wd + line_h * 0.5
        y += line_h * rng.uniform(1.4, 2.0)


@functools.lru_cache(maxsize=8)
def render_document(kind: DocKind, seed: int, long_side: int = 900) -> np.ndarray:
    """A fictional document face, float32 BGR, upright. Content is blocks of 'text', photo
    boxes, bands and patterns: enough inner edges to fool a naive contour finder."""
    rng = np.random.default_rng(seed)
    w, h = _doc_size(kind, long_side)
    img = np.empty((h, w, 3), np.float32)
    if kind == DocKind.A4:
        paper = rng.uniform(225, 250) + rng.uniform(-6, 4, 3)
        img[:] = paper
        m = int(w * 0.08)
        cv2.rectangle(img, (m, m), (w - m, int(m + h * 0.04)), (60, 60, 60), -1)  # title
        _text_lines(img, rng, m, int(m + h * 0.08), w - m, h - m, max(6, h // 70), (40, 40, 40))
        if rng.random() < 0.5:  # a red seal
            c = (int(w * rng.uniform(0.6, 0.8)), int(h * rng.uniform(0.75, 0.88)))
            cv2.circle(img, c, int(w * 0.09), (40, 40, 200), max(2, w // 120), cv2.LINE_AA)
        if rng.random() < 0.4:  # a table
            y0, y1 = int(h * 0.45), int(h * 0.7)
            for y in np.linspace(y0, y1, 6):
                cv2.line(img, (m, int(y)), (w - m, int(y)), (30, 30, 30), 2)
            for x in np.linspace(m, w - m, 4):
                cv2.line(img, (int(x), y0), (int(x), y1), (30, 30, 30), 2)
    elif kind == DocKind.ID1:
        tint = np.array([rng.uniform(200, 245), rng.uniform(205, 240), rng.uniform(190, 235)])
        img[:] = tint
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        guil = np.sin(xx / (w * 0.02) + np.sin(yy / (h * 0.07)) * 3) * 10
        img += guil[..., None] * rng.uniform(0.3, 1.0)
        ph = (int(w * 0.64), int(h * 0.18), int(w * 0.92), int(h * 0.75))
        cv2.rectangle(img, ph[:2], ph[2:], tuple(float(v) for v in rng.uniform(90, 170, 3)), -1)
        cv2.ellipse(img, ((ph[0] + ph[2]) // 2, int(h * 0.42)), (int(w * 0.08), int(h * 0.14)), 0, 0, 360, (70, 80, 110), -1)
        _text_lines(img, rng, int(w * 0.06), int(h * 0.15), int(w * 0.6), int(h * 0.9), max(5, h // 16), (50, 50, 50))
        if rng.random() < 0.5:  # a darker band at the top, as on many permits
            band = rng.uniform(60, 150, 3)
            img[: int(h * 0.12)] = band
    elif kind == DocKind.PASSPORT:
        img[:] = (rng.uniform(215, 240), rng.uniform(225, 245), rng.uniform(225, 245))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        img += (np.sin((xx + yy) / (w * 0.015)) * 6)[..., None]
        ph = (int(w * 0.07), int(h * 0.12), int(w * 0.38), int(h * 0.5))
        cv2.rectangle(img, ph[:2], ph[2:], (150, 150, 160), -1)
        _text_lines(img, rng, int(w * 0.44), int(h * 0.12), int(w * 0.93), int(h * 0.6), max(6, h // 40), (60, 50, 50))
        for i in range(2):  # MRZ
            y = int(h * (0.78 + i * 0.08))
            _text_lines(img, rng, int(w * 0.06), y, int(w * 0.94), y + max(6, h // 30), max(6, h // 30), (30, 30, 30), 1.0)
    elif kind == DocKind.BOOKLET:
        img[:] = (rng.uniform(200, 225), rng.uniform(215, 235), rng.uniform(230, 250))  # pale pink/cream
        m = int(w * 0.06)
        col = (60, 60, 170)
        cv2.rectangle(img, (m, m), (w - m, h - m), col, max(2, w // 150))
        for y in np.linspace(m, h - m, 12)[1:-1]:
            cv2.line(img, (m, int(y)), (w - m, int(y)), col, max(1, w // 300))
        _text_lines(img, rng, m * 2, m * 2, w - m * 2, h - m * 2, max(6, h // 30), (50, 40, 40), 0.6)
    else:  # pragma: no cover - DocKind is closed
        raise ValueError(kind)
    img += rng.normal(0, 2.0, img.shape).astype(np.float32)  # paper grain
    return img


def _alpha(kind: DocKind, w: int, h: int) -> np.ndarray:
    """Document opacity mask; ID-1 cards get their 3.18 mm rounded corners (ISO/IEC 7810)."""
    a = np.zeros((h, w), np.float32)
    if kind == DocKind.ID1:
        r = int(round(w * 3.18 / 85.6))
        cv2.rectangle(a, (r, 0), (w - 1 - r, h - 1), 1.0, -1)
        cv2.rectangle(a, (0, r), (w - 1, h - 1 - r), 1.0, -1)
        for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
            cv2.circle(a, (cx, cy), r, 1.0, -1, cv2.LINE_AA)
    else:
        a[:] = 1.0
    return a


# --- geometry ---------------------------------------------------------------------------


def _shape(kind: DocKind, spread: bool = False) -> tuple[int, int]:
    """(width, height) of the document with long side 1000; a spread is two pages wide."""
    w, h = _doc_size(kind, 1000)
    return (1000, int(round(1000 * h / (2 * w)))) if spread else (w, h)


def pose_corners(kind: DocKind, pose: Pose, spread: bool = False) -> np.ndarray:
    """The document's four corners in the frame for this pose (TL, TR, BR, BL of the doc)."""
    w, h = _shape(kind, spread)
    s = pose.long_px / 1000.0
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) * s
    t = np.radians(pose.angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pts = pts @ rot.T + [pose.cx, pose.cy]
    pts = pts + np.array(pose.tilt).reshape(4, 2) * pose.long_px
    return pts.astype(np.float32)


def _inside(pts: np.ndarray, w: int, h: int, margin: float) -> bool:
    return bool(np.all(pts[:, 0] >= margin) and np.all(pts[:, 0] <= w - 1 - margin)
                and np.all(pts[:, 1] >= margin) and np.all(pts[:, 1] <= h - 1 - margin))


def outside_share(pts: np.ndarray, w: int, h: int) -> float:
    """Share of the quad's area outside the frame."""
    quad = pts.astype(np.float32)
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    area = abs(cv2.contourArea(quad))
    inter, _ = cv2.intersectConvexConvex(quad, frame)
    return 1.0 - inter / area if area > 0 else 1.0


def random_pose(rng: np.random.Generator, kind: DocKind, w: int, h: int, whole: bool = True,
                spread: bool = False) -> Pose:
    """A pose with the document fully inside (margin >= 1.5% of the frame) or clearly cut off."""
    if kind == DocKind.A4:
        long_rel = rng.uniform(0.6, 0.92)
    elif kind == DocKind.ID1:
        long_rel = rng.uniform(0.28, 0.5)
    else:
        long_rel = rng.uniform(0.4, 0.75)
    long_px = long_rel * min(w, h) * (1.0 if kind == DocKind.A4 else 1.3)
    tilt = tuple(rng.uniform(-0.025, 0.025, 8))
    margin = 0.015 * max(w, h)
    for _ in range(200):
        angle = rng.uniform(0, 360)
        pose = Pose(rng.uniform(0, w), rng.uniform(0, h), angle, long_px, tilt)
        pts = pose_corners(kind, pose, spread)
        if whole and _inside(pts, w, h, margin):
            return pose
        if not whole and 0.04 <= outside_share(pts, w, h) <= 0.6:
            return pose
        if whole and rng.random() < 0.2:  # shrink a too-large page that never fits
            long_px *= 0.95
    raise RuntimeError("no pose found")  # pragma: no cover - sizes above always fit


# --- compositing -------------------------------------------------------------------------


def _hand_mask(rng: np.random.Generator, w: int, h: int, target: tuple[float, float],
               towards: tuple[float, float] | None = None) -> np.ndarray:
    """A forearm reaching in from outside the frame to `target`, ending in a palm and
    fingers; `towards` is the direction the fingers point (into the page, when holding it)."""
    mask = np.zeros((h, w), np.uint8)
    tx, ty = target
    if towards is None:
        a = rng.uniform(0, 2 * np.pi)
        towards = (np.cos(a), np.sin(a))
    ux, uy = towards
    far = 2.0 * max(w, h)
    start = (tx - ux * far, ty - uy * far)
    arm_w = int(min(w, h) * rng.uniform(0.09, 0.13))
    cv2.line(mask, (int(start[0]), int(start[1])), (int(tx - ux * arm_w), int(ty - uy * arm_w)), 255, arm_w)
    ang = np.degrees(np.arctan2(uy, ux))
    cv2.ellipse(mask, (int(tx - ux * arm_w * 0.9), int(ty - uy * arm_w * 0.9)), (int(arm_w * 0.9), int(arm_w * 0.7)), ang, 0, 360, 255, -1)
    for k in range(4):  # fingers
        off = (k - 1.5) * arm_w * 0.28
        bx, by = tx - uy * off - ux * arm_w * 0.3, ty + ux * off - uy * arm_w * 0.3
        ln = arm_w * rng.uniform(0.4, 0.6)
        cv2.line(mask, (int(bx), int(by)), (int(bx + ux * ln), int(by + uy * ln)), 255, max(3, int(arm_w * 0.2)))
    return cv2.GaussianBlur(mask, (0, 0), 1.5)


def _texture(kind: DocKind, seed: int, long_px: float, x: Extras, xr: np.random.Generator) -> np.ndarray:
    """The document's face as it will be warped: the cached page, or a spread of two, with
    the extras' ink (seals, handwriting) drawn on a copy."""
    if x.spread:  # the page's long side is the spread's short side
        page_long = long_px * _shape(kind, True)[1] / 1000
        ls = int(min(1400, max(300, page_long * 1.1)))
        tex = synth_extras.spread_texture(render_document(kind, seed, ls), render_document(kind, seed + 1, ls), xr)
    else:
        tex = render_document(kind, seed, long_side=int(min(1400, max(300, long_px * 1.1))))
    if x.seals or x.handwriting:
        tex = tex.copy()
        for ink in x.seals:
            synth_extras.draw_seal(tex, xr, ink)
        if x.handwriting:
            synth_extras.draw_handwriting(tex, xr)
    return tex


def _lay(img: np.ndarray, kind: DocKind, seed: int, pose: Pose, x: Extras, rng: np.random.Generator,
         xr: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lay one document on `img` with its drop shadow; returns the new image and its corners."""
    h, w = img.shape[:2]
    corners = pose_corners(kind, pose, x.spread)
    tex = _texture(kind, seed, pose.long_px, x, xr)
    th, tw = tex.shape[:2]
    a = _alpha(kind, tw, th)
    pad = 0
    if x.curl:  # the bowed side leaves the page's rectangle: room around it
        pad = int(x.curl * max(tw, th)) + 4
        tex = cv2.copyMakeBorder(tex, pad, pad, pad, pad, cv2.BORDER_CONSTANT)
        a = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_CONSTANT)
        tex, a = synth_extras.curl(tex, a, int(xr.integers(4)), x.curl * max(tw, th), xr)
    src = np.array([[pad, pad], [pad + tw, pad], [pad + tw, pad + th], [pad, pad + th]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    alpha = cv2.warpPerspective(a, m, (w, h), flags=cv2.INTER_LINEAR)
    doc = cv2.warpPerspective(tex, m, (w, h), flags=cv2.INTER_LINEAR)
    # drop shadow: the page lies on the mat under a light from above-left
    off = rng.uniform(2, 0.006 * w + 2, 2)
    sh = cv2.warpAffine(alpha, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (w, h))
    sigma = 0.004 * w + 1
    x, y, bw, bh = cv2.boundingRect((sh > 0).astype(np.uint8))  # blurred only around the page
    r = int(4 * sigma) + 2
    roi = np.s_[max(y - r, 0):y + bh + r, max(x - r, 0):x + bw + r]
    sh[roi] = cv2.GaussianBlur(sh[roi], (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    img *= (1 - rng.uniform(0.15, 0.4) * sh)[..., None]
    return img * (1 - alpha[..., None]) + doc * alpha[..., None], corners


def _spot(w: int, h: int, c, axes: tuple[int, int], angle: float, sigma: float) -> np.ndarray:
    """A soft elliptic glare spot (blurred only around itself: a full-frame blur is slow)."""
    spot = np.zeros((h, w), np.float32)
    cv2.ellipse(spot, (int(c[0]), int(c[1])), axes, angle, 0, 360, 1.0, -1)
    r = max(axes) + int(4 * sigma) + 2
    x0, y0 = max(int(c[0]) - r, 0), max(int(c[1]) - r, 0)
    x1, y1 = min(int(c[0]) + r, w), min(int(c[1]) + r, h)
    if x1 > x0 and y1 > y0:
        spot[y0:y1, x0:x1] = cv2.GaussianBlur(spot[y0:y1, x0:x1], (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    return spot


def _conditions(fx: Effects, x: Extras) -> tuple[str, ...]:
    """Names of the nuisances in a scene (bench/docs.py reports per condition)."""
    named = {
        "seal": bool(x.seals), "handwriting": x.handwriting, "curl": x.curl > 0, "spread": x.spread,
        "glare_edge": x.glare_edge > 0, "arm_shadow": x.arm_shadow > 0, "cheap_jpeg": x.cheap,
        "two_docs": x.second is not None, "glare": fx.glare_spots > 0, "hand": fx.hand,
        "head_shadow": fx.shadow_band > 0, "defocus": fx.blur_sigma > 0, "motion": fx.motion_px > 1,
    }
    return tuple(k for k, v in named.items() if v)


def render(scene: Scene) -> Sample:
    """Render one frame of `scene`. Deterministic: same scene, same pixels."""
    w, h = scene.width, scene.height
    rng = np.random.default_rng(scene.effects_seed)
    xr = np.random.default_rng([scene.effects_seed, 16])  # the extras' own stream: rng's draws stay as they were
    fx, x = scene.effects, scene.extras
    img = render_mat(scene.mat, scene.mat_seed, w, h).copy()
    corners = None
    others: tuple[np.ndarray, ...] = ()
    if scene.kind is not None and scene.pose is not None:
        img, corners = _lay(img, scene.kind, scene.doc_seed, scene.pose, x, rng, xr)
        if x.second is not None:
            img, c2 = _lay(img, x.second[0], x.second[1], x.second[2], Extras(), xr, xr)
            others = (c2,)
    if fx.hand:
        if corners is not None:  # a hand holding a side: fingertips on the page's edge
            c = corners.mean(0)
            k = rng.integers(4)
            p = corners[k] + (corners[(k + 1) % 4] - corners[k]) * rng.uniform(0.3, 0.7)
            out = (p - c) / np.linalg.norm(p - c)
            target = (p[0] - out[0] * 0.01 * min(w, h), p[1] - out[1] * 0.01 * min(w, h))
            hm = _hand_mask(rng, w, h, target, (-out[0], -out[1])).astype(np.float32) / 255
        else:
            target = (rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h)
            hm = _hand_mask(rng, w, h, target).astype(np.float32) / 255
        skin = np.array([rng.uniform(80, 130), rng.uniform(110, 160), rng.uniform(180, 235)], np.float32)
        shade = (1 + 0.15 * _lowfreq(rng, h, w, 4))[..., None]
        img = img * (1 - hm[..., None]) + skin * shade * hm[..., None]
    # illumination: slope, vignetting, a head's shadow, global exposure
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.ones((h, w), np.float32)
    if fx.light_gradient:
        t = rng.uniform(0, 2 * np.pi)
        light *= 1 + fx.light_gradient * ((xx / w - 0.5) * np.cos(t) + (yy / h - 0.5) * np.sin(t))
    if fx.vignette:
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        light *= 1 - fx.vignette * r2 / 2
    if fx.shadow_band:
        c = (rng.uniform(0, w), rng.uniform(0, h))
        f = 8  # drawn and blurred at 1/8 scale (a 115 px blur at full size is slow; the band is soft)
        band = np.zeros((h // f + 1, w // f + 1), np.float32)
        cv2.ellipse(band, (int(c[0] / f), int(c[1] / f)), (int(w * 0.25 / f), int(h * 0.35 / f)), rng.uniform(0, 180), 0, 360, 1.0, -1)
        band = cv2.GaussianBlur(band, (0, 0), w * 0.06 / f)
        light *= 1 - fx.shadow_band * cv2.resize(band, (band.shape[1] * f, band.shape[0] * f), interpolation=cv2.INTER_LINEAR)[:h, :w]
    if x.arm_shadow:
        light *= synth_extras.arm_shadow(xr, w, h, x.arm_shadow)
    img *= (light * fx.exposure)[..., None]
    if corners is not None:
        for _ in range(x.glare_edge):  # touching or over the page's edge
            k = int(xr.integers(4))
            c = corners[k] + (corners[(k + 1) % 4] - corners[k]) * xr.uniform(0.1, 0.9) + xr.normal(0, 0.01 * w, 2)
            axes = (int(w * xr.uniform(0.015, 0.05)), int(w * xr.uniform(0.01, 0.035)))
            img += (_spot(w, h, c, axes, xr.uniform(0, 180), w * 0.008) * xr.uniform(150, 300))[..., None]
    for _ in range(fx.glare_spots):
        if corners is not None and rng.random() < 0.7:
            c = corners.mean(0) + rng.uniform(-0.3, 0.3, 2) * (corners.max(0) - corners.min(0))
        else:
            c = (rng.uniform(0, w), rng.uniform(0, h))
        axes = (int(w * rng.uniform(0.01, 0.04)), int(w * rng.uniform(0.01, 0.03)))
        img += (_spot(w, h, c, axes, rng.uniform(0, 180), w * 0.008) * rng.uniform(120, 255))[..., None]
    if fx.blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), fx.blur_sigma)
    if fx.motion_px > 1:
        k = np.zeros((fx.motion_px, fx.motion_px), np.float32)
        k[fx.motion_px // 2, :] = 1
        rot = cv2.getRotationMatrix2D((fx.motion_px / 2 - 0.5, fx.motion_px / 2 - 0.5), rng.uniform(0, 180), 1)
        k = cv2.warpAffine(k, rot, k.shape)
        img = cv2.filter2D(img, -1, k / max(k.sum(), 1e-6))
    if x.cheap:
        img = synth_extras.cheap_camera(img, xr)
    if fx.noise_sigma > 0:
        img += rng.normal(0, fx.noise_sigma, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if fx.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, fx.jpeg_quality])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if corners is None:
        situation = Situation.HAND if fx.hand else Situation.EMPTY
    elif not _inside(corners, w, h, 0):
        situation = Situation.CUT
    else:
        situation = Situation.TWO if others else Situation.WHOLE
    return Sample(out, corners, situation, scene.kind, scene.mat, others, _conditions(fx, x))


def random_effects(rng: np.random.Generator, hand_p: float = 0.15) -> Effects:
    """A plausible mix of nuisances; each frame gets a few of them."""
    return Effects(
        light_gradient=float(rng.uniform(0, 0.5)) if rng.random() < 0.6 else 0.0,
        vignette=float(rng.uniform(0, 0.45)) if rng.random() < 0.6 else 0.0,
        shadow_band=float(rng.uniform(0.1, 0.35)) if rng.random() < 0.25 else 0.0,
        glare_spots=int(rng.integers(1, 3)) if rng.random() < 0.25 else 0,
        hand=bool(rng.random() < hand_p),
        blur_sigma=float(rng.uniform(0.5, 2.0)) if rng.random() < 0.3 else 0.0,
        motion_px=int(rng.integers(4, 12)) if rng.random() < 0.12 else 0,
        noise_sigma=float(rng.uniform(1, 7)) if rng.random() < 0.6 else 0.0,
        jpeg_quality=int(rng.integers(40, 90)) if rng.random() < 0.5 else 0,
        exposure=float(rng.uniform(0.75, 1.05)),
    )


def random_scene(seed: int, width: int = 1920, height: int = 1080, situation: Situation | None = None,
                 kind: DocKind | None = None, mat: str | None = None) -> Scene:
    """A random scene for `seed`: by default 75% whole documents, 10% cut off, 8% empty,
    7% hands only. Everything is drawn from `seed`, so the scene is reproducible."""
    rng = np.random.default_rng(seed)
    if situation is None:
        situation = Situation(rng.choice(["whole", "cut", "empty", "hand"], p=[0.75, 0.10, 0.08, 0.07]))
    mat = mat or str(rng.choice(MATS))
    kind_choice = kind or DocKind(str(rng.choice([k.value for k in DocKind])))
    fx = random_effects(rng)
    seeds = rng.integers(0, 2**31, 3)
    if situation in (Situation.EMPTY, Situation.HAND):
        fx = replace(fx, hand=situation == Situation.HAND)
        return Scene(width, height, mat, int(seeds[0]), None, 0, None, fx, int(seeds[2]))
    pose = random_pose(rng, kind_choice, width, height, whole=situation == Situation.WHOLE)
    return Scene(width, height, mat, int(seeds[0]), kind_choice, int(seeds[1]), pose, fx, int(seeds[2]))


def sample(seed: int, width: int = 1920, height: int = 1080, **kw) -> Sample:
    """Shorthand: render `random_scene(seed, ...)`."""
    return render(random_scene(seed, width, height, **kw))


# --- widened scenes (issue 16) -----------------------------------------------------------


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two disjoint convex quads (negative when they overlap)."""
    inter, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    if inter > 0:
        return -1.0
    d = [-cv2.pointPolygonTest(q.reshape(-1, 1, 2), (float(x), float(y)), True) for p, q in ((a, b), (b, a)) for x, y in p]
    return float(min(d))


def _cut_pose(xr: np.random.Generator, kind: DocKind, w: int, h: int, spread: bool) -> Pose:
    """A whole pose slid towards a random edge or corner until a drawn share (1..35%) is outside."""
    pose = random_pose(xr, kind, w, h, spread=spread)
    target = xr.uniform(0.01, 0.35)
    direction = [(0, -1), (1, 0), (0, 1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)][int(xr.integers(8))]
    lo, hi = 0.0, float(w + h)
    for _ in range(30):  # bisect the slide length
        mid = (lo + hi) / 2
        moved = replace(pose, cx=pose.cx + direction[0] * mid, cy=pose.cy + direction[1] * mid)
        if outside_share(pose_corners(kind, moved, spread), w, h) < target:
            lo = mid
        else:
            hi = mid
    return replace(pose, cx=pose.cx + direction[0] * hi, cy=pose.cy + direction[1] * hi)


def _two_poses(xr: np.random.Generator, k1: DocKind, k2: DocKind, w: int, h: int) -> tuple[Pose, Pose]:
    """Two whole, disjoint poses, often close together (the case where a union is tempting)."""
    margin = 0.015 * max(w, h)
    for _ in range(400):
        p1, p2 = (random_pose(xr, k, w, h) for k in (k1, k2))
        p1 = replace(p1, long_px=p1.long_px * xr.uniform(0.45, 0.75))
        p2 = replace(p2, long_px=p2.long_px * xr.uniform(0.45, 0.75))
        c1, c2 = pose_corners(k1, p1), pose_corners(k2, p2)
        gap = _gap(c1, c2)
        if _inside(c1, w, h, margin) and _inside(c2, w, h, margin) and 0.004 * max(w, h) <= gap <= 0.12 * max(w, h):
            return p1, p2
    raise RuntimeError("no two poses found")  # pragma: no cover - small documents always fit


def wide_scene(seed: int, width: int | None = None, height: int | None = None, situation: Situation | None = None,
               kind: DocKind | None = None, mat: str | None = None) -> Scene:
    """A widened scene for `seed` (see the module docstring): 62% whole, 10% two documents,
    16% cut off (1..35% outside, any edge or corner, half of them ID cards), 6% empty, 6%
    hands only; frame size one of WIDE_SIZES unless given."""
    xr = np.random.default_rng([seed, 16])
    if width is None or height is None:
        width, height = WIDE_SIZES[int(xr.integers(len(WIDE_SIZES)))]
    if situation is None:
        situation = Situation(xr.choice(["whole", "two", "cut", "empty", "hand"], p=[0.62, 0.10, 0.16, 0.06, 0.06]))
    if mat is None and xr.random() < 0.45:
        mat = str(xr.choice(WIDE_MATS))
    if kind is None and situation == Situation.CUT and xr.random() < 0.5:
        kind = DocKind.ID1
    base_situation = Situation.WHOLE if situation in (Situation.TWO, Situation.CUT) else situation
    sc = random_scene(seed, width, height, situation=base_situation, kind=kind, mat=mat)
    fx = sc.effects
    if xr.random() < 0.12:
        fx = replace(fx, motion_px=int(xr.integers(4, 14)))
    cheap = bool(xr.random() < 0.3)
    if cheap:
        fx = replace(fx, jpeg_quality=int(xr.integers(25, 60)), noise_sigma=max(fx.noise_sigma, float(xr.uniform(2, 6))))
    if sc.kind is None:
        return replace(sc, effects=fx, extras=Extras(arm_shadow=float(xr.uniform(0.25, 0.55)) if xr.random() < 0.25 else 0.0, cheap=cheap))
    page = sc.kind != DocKind.ID1
    spread = sc.kind == DocKind.BOOKLET and xr.random() < 0.5
    inks = tuple(str(i) for i in xr.choice(["red", "blue"], int(xr.integers(1, 3)))) if xr.random() < 0.5 else ()
    x = Extras(
        seals=inks,
        handwriting=bool(xr.random() < 0.35),
        curl=float(xr.uniform(0.004, 0.012)) if page and xr.random() < 0.25 else 0.0,
        spread=spread,
        glare_edge=int(xr.integers(1, 3)) if xr.random() < 0.2 else 0,
        arm_shadow=float(xr.uniform(0.25, 0.55)) if xr.random() < 0.25 else 0.0,
        cheap=cheap,
    )
    pose = sc.pose
    if spread:  # the spread is wider than a page: pose it afresh
        pose = random_pose(xr, sc.kind, width, height, spread=True)
    if situation == Situation.CUT:
        pose = _cut_pose(xr, sc.kind, width, height, spread)
    elif situation == Situation.TWO:
        x = replace(x, spread=False, curl=0.0)
        k2 = DocKind(str(xr.choice([k.value for k in DocKind])))
        pose, p2 = _two_poses(xr, sc.kind, k2, width, height)
        x = replace(x, second=(k2, int(xr.integers(0, 2**31)), p2))
    return replace(sc, pose=pose, effects=fx, extras=x)


def wide_sample(seed: int, **kw) -> Sample:
    """Shorthand: render `wide_scene(seed, ...)`."""
    return render(wide_scene(seed, **kw))
