"""What real platens show beyond the basic generator: drawing helpers for `synth`'s widened scenes.

Why a module of its own: the project's first generator fitted its detector too well (issue
16: 0.985 on its own frames, 0.958 on a stranger's). These are the things the stranger had
and ours lacked: ink seals (red and blue) and handwriting on the page, dark grid cutting
mats, wood and dark textured mats, the camera arm's shadow, glare on the page's edge,
curled pages and booklets open at a spread. `synth.render` calls them; nothing else does.
"""

from __future__ import annotations

import cv2
import numpy as np

SEAL_INKS = {"red": (45, 40, 200), "blue": (170, 70, 40)}  # BGR, slightly off pure ink


def render_extra_mat(kind: str, rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """The widened mats: a dark grid cutting mat, wood, a dark mottled texture (float32 BGR)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "grid":  # black or dark blue/grey self-healing mat, bold lines every 5 cells
        base = np.array(rng.choice([(30, 30, 30), (70, 40, 25), (55, 55, 50)]), np.float32) + rng.uniform(-8, 8, 3)
        img = np.empty((h, w, 3), np.float32)
        img[:] = base
        step = rng.uniform(0.025, 0.045) * w
        line = base + rng.uniform(60, 140)  # light lines, sometimes nearly paper-white
        off = rng.uniform(0, step, 2)
        for i, x in enumerate(np.arange(off[0], w, step)):
            cv2.line(img, (int(x), 0), (int(x), h), line.tolist(), 3 if i % 5 == 0 else 1, cv2.LINE_AA)
        for i, y in enumerate(np.arange(off[1], h, step)):
            cv2.line(img, (0, int(y)), (w, int(y)), line.tolist(), 3 if i % 5 == 0 else 1, cv2.LINE_AA)
        if rng.random() < 0.5:  # a printed ruler along the top: ticks every fifth of a cell
            for i, x in enumerate(np.arange(off[0], w, step / 5)):
                cv2.line(img, (int(x), 0), (int(x), int(step * (0.5 if i % 5 == 0 else 0.25))), line.tolist(), 1, cv2.LINE_AA)
    elif kind == "wood":  # grain: stretched noise bent by a slow wave, warm browns
        base = np.array([rng.uniform(40, 90), rng.uniform(80, 130), rng.uniform(120, 185)], np.float32)
        t = rng.uniform(0, np.pi)
        u = xx * np.cos(t) + yy * np.sin(t)
        v = -xx * np.sin(t) + yy * np.cos(t)
        wave = np.sin(v / (w * rng.uniform(0.004, 0.01)) + 3 * np.sin(u / (w * 0.15))) * 0.5
        grain = cv2.resize(rng.normal(0, 1, (max(2, h // 40), 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        shade = 1 + 0.12 * wave + 0.08 * grain
        img = base[None, None, :] * shade[..., None]
        for _ in range(int(rng.integers(2, 6))):  # plank seams
            s = rng.uniform(0, w + h)
            p0 = (s * np.cos(t) - 2 * w * np.sin(t), s * np.sin(t) + 2 * w * np.cos(t))
            p1 = (s * np.cos(t) + 2 * w * np.sin(t), s * np.sin(t) - 2 * w * np.cos(t))
            cv2.line(img, (int(p0[0]), int(p0[1])), (int(p1[0]), int(p1[1])), (base * 0.45).tolist(), 2, cv2.LINE_AA)
    elif kind == "textured":  # dark felt or rubber: mottling at several scales, far from plain
        base = np.array(rng.uniform(20, 60, 3), np.float32)
        img = np.empty((h, w, 3), np.float32)
        img[:] = base
        amp = rng.uniform(6, 16)
        for cells in (8, 40, 160):
            g = rng.uniform(-1, 1, size=(cells * h // w + 1, cells)).astype(np.float32)
            img += (cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC) * amp)[..., None]
        img += rng.normal(0, amp * 0.6, (h, w, 1)).astype(np.float32)
    else:
        raise ValueError(f"unknown mat {kind!r}")
    return img


def draw_seal(img: np.ndarray, rng: np.random.Generator, ink: str) -> None:
    """A round official seal (公章) or a rectangular stamp, in ink that soaks unevenly."""
    h, w = img.shape[:2]
    col = np.array(SEAL_INKS[ink], np.float32) + rng.uniform(-20, 20, 3)
    layer = np.zeros((h, w), np.float32)
    c = (int(w * rng.uniform(0.2, 0.8)), int(h * rng.uniform(0.2, 0.85)))
    r = int(min(w, h) * rng.uniform(0.09, 0.2))
    th = max(2, r // 12)
    if rng.random() < 0.7:
        cv2.circle(layer, c, r, 1.0, th, cv2.LINE_AA)
        star = [(c[0] + r * 0.35 * np.cos(a) * (1 if k % 2 == 0 else 0.4), c[1] + r * 0.35 * np.sin(a) * (1 if k % 2 == 0 else 0.4))
                for k, a in enumerate(np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1])]
        cv2.fillPoly(layer, [np.array(star, np.int32)], 1.0, cv2.LINE_AA)
        for a in np.linspace(np.pi * 0.8, np.pi * 2.2, 12):  # the ring of characters
            p = (int(c[0] + r * 0.72 * np.cos(a)), int(c[1] + r * 0.72 * np.sin(a)))
            cv2.rectangle(layer, (p[0] - th * 2, p[1] - th * 2), (p[0] + th * 2, p[1] + th * 2), 1.0, -1)
    else:
        hw, hh = int(r * 1.3), int(r * 0.6)
        cv2.rectangle(layer, (c[0] - hw, c[1] - hh), (c[0] + hw, c[1] + hh), 1.0, th)
        for k in range(3):
            y = c[1] - hh // 2 + k * hh // 2
            cv2.line(layer, (c[0] - hw + 3 * th, y), (c[0] + hw - 3 * th, y), 1.0, th)
    soak = np.clip(0.55 + 0.45 * cv2.resize(rng.uniform(0, 1, (6, 6)).astype(np.float32), (w, h)), 0, 1)
    a = (cv2.GaussianBlur(layer, (0, 0), 0.8) * soak * rng.uniform(0.6, 0.95))[..., None]
    img[:] = img * (1 - a) + col * a


def draw_handwriting(img: np.ndarray, rng: np.random.Generator) -> None:
    """A few lines of cursive-like strokes and a signature, blue or black ballpoint."""
    h, w = img.shape[:2]
    col = (150, 60, 30) if rng.random() < 0.6 else (35, 35, 35)
    th = max(1, int(min(w, h) / 300))
    for _ in range(int(rng.integers(1, 5))):
        x, y = w * rng.uniform(0.08, 0.5), h * rng.uniform(0.1, 0.9)
        length, size = w * rng.uniform(0.2, 0.45), min(w, h) * rng.uniform(0.015, 0.035)
        t = np.linspace(0, 1, 240)
        xs = x + t * length + size * 0.6 * np.sin(t * rng.uniform(40, 80))
        ys = y + size * np.sin(t * rng.uniform(25, 60)) * rng.uniform(0.5, 1.0) + size * 0.5 * np.sin(t * 7)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        cv2.polylines(img, [pts], False, col, th, cv2.LINE_AA)


def spread_texture(page: np.ndarray, other: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A booklet open at a spread: two pages side by side, the fold a soft dark valley."""
    h, w = page.shape[:2]
    img = np.concatenate([other[:, ::-1] * 0.97, page], axis=1)
    xx = np.arange(2 * w, dtype=np.float32)
    valley = 1 - rng.uniform(0.15, 0.4) * np.exp(-(((xx - w) / (w * rng.uniform(0.03, 0.08))) ** 2))
    return img * valley[None, :, None]


def curl(tex: np.ndarray, alpha: np.ndarray, side: int, amp: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bow one side of the page outward by up to `amp` px (a page that does not lie flat),
    shaded where it lifts. The corners stay put; inputs are padded canvases (page + margin)."""
    tex, alpha = np.rot90(tex, side).copy(), np.rot90(alpha, side).copy()
    h, w = alpha.shape
    cols = np.nonzero(alpha.max(0) > 0.5)[0]
    rows = np.nonzero(alpha.max(1) > 0.5)[0]
    x0, x1, top = cols[0], cols[-1], rows[0]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    along = np.clip((xx - x0) / max(x1 - x0, 1), 0, 1)
    decay = (rows[-1] - top) * rng.uniform(0.1, 0.25)
    weight = np.clip(1 - (yy - top) / decay, 0, 1)
    shift = amp * np.sin(np.pi * along) * weight
    map_y = (yy + shift).astype(np.float32)
    tex = cv2.remap(tex, xx, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.remap(alpha, xx, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    tex *= (1 - rng.uniform(0.05, 0.2) * weight * np.sin(np.pi * along))[..., None]
    return np.rot90(tex, -side).copy(), np.rot90(alpha, -side).copy()


def arm_shadow(rng: np.random.Generator, w: int, h: int, strength: float) -> np.ndarray:
    """Light multiplier with the camera arm's shadow: a soft straight band from one frame edge."""
    f = 8  # drawn and blurred at 1/8 scale: the band is soft anyway
    out_w, out_h = w, h
    w, h = w // f + 1, h // f + 1
    band = np.zeros((h, w), np.float32)
    edge = int(rng.integers(4))
    width = int(min(w, h) * rng.uniform(0.06, 0.14))
    reach = rng.uniform(0.3, 0.8)
    along = rng.uniform(0.2, 0.8)
    if edge in (0, 2):
        x = int(along * w)
        y0, y1 = (0, int(reach * h)) if edge == 0 else (h, int((1 - reach) * h))
        cv2.line(band, (x, y0), (x + int(rng.uniform(-0.1, 0.1) * w), y1), 1.0, width)
    else:
        y = int(along * h)
        x0, x1 = (0, int(reach * w)) if edge == 3 else (w, int((1 - reach) * w))
        cv2.line(band, (x0, y), (x1, y + int(rng.uniform(-0.1, 0.1) * h)), 1.0, width)
    band = cv2.GaussianBlur(band, (0, 0), width * 0.35)
    return 1 - strength * cv2.resize(band, (w * f, h * f), interpolation=cv2.INTER_LINEAR)[:out_h, :out_w]


def cheap_camera(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cheap sensor's look before its JPEG: soft optics, then over-sharpening halos."""
    h, w = img.shape[:2]
    f = rng.uniform(0.5, 0.8)
    small = cv2.resize(img, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    blur = cv2.GaussianBlur(img, (0, 0), 1.5)
    return img + rng.uniform(0.5, 1.2) * (img - blur)
