"""Find the document's quadrilateral on the platen.

Why not Canny + findContours + approxPolyDP (the common tutorial): it needs a strong,
unbroken edge all around the page, so it fails on light mats, patterned mats, glare, hands
and blur, and it happily returns the photo box or a table inside the page. Here the mat is
*modelled* instead:

1. Work on a small copy (long side ~480 px) for the coarse search.
2. Normalise uneven light: fit a smooth (quadratic) gain surface to the lightness of the
   frame's border band, where the mat is, and divide it out of the lightness and of the
   chroma (a vignette's bright centre is a more saturated mat colour, not a document).
3. Learn the mat's colours from the border band (k-means); a colour cluster counts as mat
   only if it spreads along a third of the frame's outline (or a quarter of the band), so
   a hand or a document crossing one edge is not mistaken for mat. Patterned mats simply
   have several mat clusters.
4. Distance to the mat = Mahalanobis distance to the nearest mat cluster, with a shadow
   model (darker and less saturated is still mat). Three foreground masks from it: the
   usual threshold; a weak one (hysteresis: weaker pixels joined to the usual foreground,
   for a pale page on a light mat); a strong one (twice as far, for a dark mat whose
   brighter patches pass the usual threshold). Skin and glare reaching in from outside the
   frame are taken out of all three (unless the border is skin-coloured all round: a wood
   mat). Glare spots inside the frame give a fourth mask without them (a spot on the
   page's edge bulges its outline).
5. Proposals: each mask, as is and after a few openings, yields its largest good quad
   (convex hull of a region, which fills thumbs and text holes -> four corners, greedy:
   drop the vertex that carries the least area; enough of the hull filled). Regions
   touching the frame edge are "cut off", not documents, and so are pieces of a page:
   quads touching such a region, and quads found after an opening or on the strong mask
   that leave much of their unopened region outside. When a region runs off-frame or a
   hand reaches in, the mask is retried with the arm cut away (opening wider than a
   forearm, a disc around its stump for the palm). Each proposal is also grown by its own
   paper colour (a blank margin close to the mat's colour would otherwise leave only the
   printed frame inside it).
   The largest proposal whose every side is a real edge (median colour step across it,
   less the mat's own texture step just outside) wins: a partly found page loses to the
   whole one, a mask leaking into a shadow or a bright mat patch (a side on bare mat)
   loses, and no quad without four edges is returned. If none passes, the foreground is
   split at its own two modes of distance to the mat and tried again (a page with a glare
   halo or a mottled patch stuck to it), then, unless something runs off-frame, what closed
   Canny outlines enclose (a pale page close to the mat's colour). A winner holding two or more large pieces with
   four real edges each, apart before the mask was closed, is their union: the largest
   piece is returned instead (two documents side by side).
6. Refine each side at full resolution: sample colour profiles across the edge, find the
   half-way crossing between the outside and inside colours (sub-pixel, blur-symmetric),
   fit a robust line (Huber) and intersect neighbouring sides.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

WORK_LONG_SIDE = 480  # coarse search resolution: ~4x down from 1080p


@dataclass(frozen=True)
class DetectParams:
    """Tunables of the detector (defaults fit the generator and typical platens)."""

    min_area: float = 0.02  # smallest document, as a share of the frame
    max_area: float = 0.9
    fg_sigma: float = 4.0  # foreground: this many mat standard deviations away
    min_sigma: tuple[float, float, float] = (4.0, 2.5, 2.5)  # floor of a mat cluster's spread (L, a, b)
    shadow_tolerance: float = 3.0  # how much darker than the mat (x its spread) is still mat
    border_px: int = 6  # width of the sampled border band at working scale
    clusters: int = 6
    min_fill: float = 0.82  # quad area / region hull area
    edge_margin: float = 0.004  # corners closer than this share of the frame to its edge = cut off
    edge_touch: float = 1.5  # px at working scale: closer to the frame edge = touching
    strong_factor: float = 1.6  # a third mask at this many times fg_sigma: a dark mat's bright patches stay out
    low_sigma: float = 2.3  # weaker foreground, kept where it joins strong (fg_sigma) foreground
    min_contrast: float = 6.0  # every side of a page: median colour step across it (Lab units)


@dataclass(frozen=True)
class Detection:
    """Result of one frame.

    `corners`: (4, 2) float32, TL, TR, BR, BL in input pixels, or None when no whole
    document is in view. `cut_off`: a document-like region crosses the frame edge.
    `score`: 0..1 confidence (region fill of its quad)."""

    corners: np.ndarray | None
    cut_off: bool = False
    score: float = 0.0


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four points as TL, TR, BR, BL (clockwise on screen, starting nearest the top-left)."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    c = pts.mean(0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # clockwise on screen (y points down)
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0)


def quad_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard index of two convex quadrilaterals."""
    a = order_corners(a)
    b = order_corners(b)
    inter, _ = cv2.intersectConvexConvex(a, b)
    union = cv2.contourArea(a) + cv2.contourArea(b) - inter
    return float(inter / union) if union > 0 else 0.0


# --- mat model -------------------------------------------------------------------------


def _border_mask(h: int, w: int, b: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[:b] = m[-b:] = True
    m[:, :b] = m[:, -b:] = True
    return m


def _poly_terms(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)


@functools.lru_cache(maxsize=8)
def _border_design(h: int, w: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Border band sample coordinates and their quadratic design matrix (cached per size)."""
    ys, xs = np.nonzero(_border_mask(h, w, b))
    ys, xs = ys[::2], xs[::2]
    return ys, xs, _poly_terms(xs / w - 0.5, ys / h - 0.5)


@functools.lru_cache(maxsize=8)
def _coarse_grid_terms(h: int, w: int) -> np.ndarray:
    gx, gy = np.meshgrid((np.arange(0, w, 8) + 4) / w - 0.5, (np.arange(0, h, 8) + 4) / h - 0.5)
    return _poly_terms(gx.ravel(), gy.ravel()).reshape(gy.shape + (6,))


def _gain_surface(lum: np.ndarray, b: int) -> np.ndarray:
    """Smooth illumination gain (quadratic in x, y) fitted to the border band's lightness,
    robustly: reweighting rounds drop hands and cut-off pages on the border."""
    h, w = lum.shape
    ys, xs, a = _border_design(h, w, b)
    v = lum[ys, xs].astype(np.float64)
    keep = np.ones(len(v), bool)
    coef = np.zeros(6)
    for _ in range(3):
        ak = a[keep]
        coef = np.linalg.solve(ak.T @ ak + 1e-6 * np.eye(6), ak.T @ v[keep])
        res = v - a @ coef
        mad = np.median(np.abs(res[keep])) + 1e-3
        keep = np.abs(res) < 3.5 * mad + 4
        if keep.sum() < 12:
            break
    ref = max(float(np.median(v[keep])) if keep.any() else float(np.median(v)), 1.0)
    surf = (_coarse_grid_terms(h, w) @ coef / ref).astype(np.float32)
    surf = cv2.resize(surf, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(surf, 0.25, 4.0)


def _perimeter(h: int, w: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Border band pixel coordinates (ys, xs) and each one's position along the perimeter (0..1)."""
    ys, xs = np.nonzero(_border_mask(h, w, b))
    # position along the frame's outline, clockwise from the top-left corner
    top, right, bottom = ys < b, xs >= w - b, ys >= h - b
    pos = np.where(top, xs, np.where(right, w + ys, np.where(bottom, w + h + (w - xs), 2 * w + h + (h - ys))))
    return ys[::2], xs[::2], (pos / (2 * (w + h)))[::2]


def _mat_clusters(lab: np.ndarray, b: int, k: int, min_sigma: tuple[float, float, float]):
    """Colour clusters of the border band that are mat: spread all along the frame's outline.

    A document or a hand crossing the border shows up in one contiguous stretch of it; the
    mat (plain or patterned) shows up everywhere. Hence "present in a third of the perimeter bins"."""
    h, w = lab.shape[:2]
    ys, xs, pos = _perimeter(h, w, b)
    pts = lab[ys, xs].astype(np.float32)
    bins = np.minimum((pos * 48).astype(int), 47)
    cv2.setRNGSeed(12345)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 12, 0.5)
    _, labels, centers = cv2.kmeans(pts, k, None, crit, 1, cv2.KMEANS_PP_CENTERS)
    labels = labels.ravel()
    bin_count = np.bincount(bins, minlength=48).astype(np.float32)
    floor = np.array(min_sigma, np.float32)
    cap = floor * 2.5  # a cluster mixing colours (arm + grid line) must not swallow the page
    mats, spread = [], []
    for c in range(k):
        member = labels == c
        if not member.any():
            spread.append(0)
            continue
        per_bin = np.bincount(bins[member], minlength=48) / np.maximum(bin_count, 1)
        spread.append(int((per_bin >= 0.03).sum()))
        if spread[-1] >= 16 or member.mean() > 0.25:
            mats.append((centers[c], np.clip(pts[member].std(0), floor, cap)))
    if not mats:  # no colour spans the outline: take the most widespread one
        c = int(np.argmax(spread))
        mats.append((centers[c], np.clip(pts[labels == c].std(0), floor, cap)))
    return mats


def _border_connected(mask: np.ndarray) -> np.ndarray:
    """The parts of `mask` connected to the frame's edge (arms, glare running off-frame)."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), connectivity=8)
    h, w = mask.shape
    x, y, bw, bh = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    touch = (x == 0) | (y == 0) | (x + bw >= w) | (y + bh >= h)
    touch[0] = False
    return touch[lab]


def _hysteresis(dmat: np.ndarray, high: float, low: float) -> np.ndarray:
    """Foreground: pixels `high` away from the mat, plus regions `low` away (on a 3x3 mean,
    against noise) that hold such a pixel. A pale page on a light mat is only a little off
    the mat, but all of it, and its print is far off: the print seeds the page."""
    low_m = (cv2.blur(dmat, (3, 3)) >= low).astype(np.uint8)
    n, lab = cv2.connectedComponents(low_m, connectivity=8)
    seeded = np.bincount(lab[dmat >= high], minlength=n) > 0
    seeded[0] = False
    return (seeded[lab] | (dmat >= high)).astype(np.uint8)


def _skin(bgr: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels (YCrCb box, bright enough, clearly reddish)."""
    ycc = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    return cv2.inRange(ycc, (35, 142, 70), (200, 195, 122)) > 0


# --- coarse search ---------------------------------------------------------------------


def _quad_from_hull(hull: np.ndarray) -> np.ndarray | None:
    """Four corners from a convex hull: drop, one at a time, the vertex whose removal loses
    the least area. Bumps on a side (a fingertip, a shadow blob) go first; the page's four
    real corners, which carry the most area, stay."""
    peri = cv2.arcLength(hull, True)
    poly = cv2.approxPolyDP(hull, 0.005 * peri, True).reshape(-1, 2).astype(np.float64)
    if len(poly) < 4:
        return None
    while len(poly) > 4:
        prev, nxt = np.roll(poly, 1, axis=0), np.roll(poly, -1, axis=0)
        tri = np.abs((poly[:, 0] - prev[:, 0]) * (nxt[:, 1] - prev[:, 1]) - (nxt[:, 0] - prev[:, 0]) * (poly[:, 1] - prev[:, 1]))
        poly = np.delete(poly, int(np.argmin(tri)), axis=0)
    return poly.astype(np.float32)


MAT_SKIN_SHARE = 0.3  # an arm crosses a short stretch of the frame's border, never a third of it
MAX_INNER_GLARE = 0.05  # more clipped area than this is an over-exposed page, not glare spots


def _foreground(small: np.ndarray, p: DetectParams):
    """Foreground masks at three thresholds (fg_sigma; weak, joined to fg; strong), the
    light-normalised Lab channels (chroma around 0), the distance to the mat, and the
    pixels blocked as hand or glare reaching in from outside."""
    # a light blur: sensor noise and JPEG blocks must not break a low-contrast page apart
    chan_l, chan_a, chan_b = (c.astype(np.float32) for c in cv2.split(cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2Lab)))
    gain = _gain_surface(chan_l, p.border_px)
    chan_l /= gain
    # chroma grows and shrinks with the light as well (a vignette's bright centre is a
    # more saturated green), so it is divided by the same gain (around grey: a, b - 128)
    chan_a = (chan_a - 128.0) / gain
    chan_b = (chan_b - 128.0) / gain
    mats = _mat_clusters(cv2.merge([chan_l, chan_a, chan_b]), p.border_px, p.clusters, p.min_sigma)
    # mat = within fg_sigma spreads (Mahalanobis, diagonal) of a mat cluster: a pale page on
    # a light mat differs a little in each of L, a and b, which only adds up in the norm.
    # Shadows only darken, so "darker than the mat" is tolerated shadow_tolerance times more.
    # A shadow also shrinks the chroma in proportion to the lightness, so a darker pixel's
    # chroma is scaled back up by the lightness ratio before comparing.
    inv_l = 1.0 / np.maximum(chan_l, 1.0)
    k2 = p.fg_sigma ** 2
    dmat = np.full(small.shape[:2], np.inf, np.float32)
    for center, sd in mats:
        dl = chan_l - center[0]
        dl = np.maximum(dl / sd[0], dl / (-sd[0] * p.shadow_tolerance))
        boost = np.clip(center[0] * inv_l, 1.0, 3.0)
        da = (chan_a * boost - center[1]) / sd[1]
        db = (chan_b * boost - center[2]) / sd[2]
        np.minimum(dmat, dl * dl + da * da + db * db, out=dmat)
    fg = (dmat >= k2).astype(np.uint8)
    weak = _hysteresis(dmat, k2, p.low_sigma ** 2)
    strong = (dmat >= (p.fg_sigma * p.strong_factor) ** 2).astype(np.uint8)
    # hands and glare reaching in from outside the frame are not the document
    # (each on its own: a glare-white page held by a hand is still the page)
    # Skin is opened first: thin red print (a booklet's ruled border) is skin-coloured too,
    # but it is never as wide as a finger.
    skin = cv2.morphologyEx(_skin(small).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    if skin[_border_mask(*skin.shape, p.border_px)].mean() > MAT_SKIN_SHARE:
        skin[:] = 0  # a wood or tan mat is skin-coloured all round: that is the mat, not an arm
    hand = cv2.dilate(_border_connected(skin).astype(np.uint8), np.ones((5, 5), np.uint8))
    # a glare spot's soft halo is wider than its clipped core
    clipped = cv2.inRange(small, (245, 245, 245), (255, 255, 255))
    outer = _border_connected(clipped)
    glare = cv2.dilate(outer.astype(np.uint8), np.ones((11, 11), np.uint8))
    blocked = (hand | glare) > 0
    masks, opened = [], []
    for m in (fg, weak, strong):
        m[blocked] = 0
        opened.append(cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
        masks.append(cv2.morphologyEx(opened[-1], cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)))
    # Glare spots inside the frame that touch or overlap a page's edge bulge its outline
    # (they are far from the mat too): one more mask without them. The sides left on
    # either side of a spot still carry the page's lines; refinement meets them again.
    inner = (clipped > 0) & ~outer
    if inner.any() and inner.mean() < MAX_INNER_GLARE:
        halo = cv2.dilate(inner.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        masks.append(cv2.morphologyEx(masks[0] & ~halo, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
    return masks, (chan_l, chan_a, chan_b), dmat, blocked, opened[0]


def _grow(quad: np.ndarray, fg: np.ndarray, chans, dmat: np.ndarray, blocked: np.ndarray,
          p: DetectParams) -> np.ndarray | None:
    """Add the pixels around a found page that look more like its paper than like the mat.

    A page's blank margin can be nearly mat-coloured while its printed frame is not; the
    foreground then outlines the printed frame. The paper's own colour, learnt from the
    found region, claims the margin back."""
    size = int(np.sqrt(cv2.contourArea(quad)) * 0.12) | 1
    # all of it happens near the quad: work in its bounding box (plus the growth zone)
    x, y, bw, bh = cv2.boundingRect(np.round(quad).astype(np.int32))
    pad = size // 2 + 6
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    roi = np.s_[y0:min(y + bh + pad, fg.shape[0]), x0:min(x + bw + pad, fg.shape[1])]
    fg_r = fg[roi]
    filled = np.zeros(fg_r.shape, np.uint8)
    cv2.fillConvexPoly(filled, np.round(quad - [x0, y0]).astype(np.int32), 1)
    inner = (cv2.erode(filled, np.ones((5, 5), np.uint8)) > 0) & (fg_r > 0)
    if np.count_nonzero(inner) < 50:
        return None
    floor = np.array(p.min_sigma, np.float32)
    d = np.zeros(fg_r.shape, np.float32)
    for ch, f in zip(chans, floor):
        ch = ch[roi]
        v = ch[inner][::3]  # a third of the paper pixels gives the same median, faster
        c = float(np.median(v))
        sd = float(np.clip(1.4826 * np.median(np.abs(v - c)), f, 2.5 * f))
        d += ((ch - c) / sd) ** 2
    zone = filled.copy()  # the quad widened by size / 2 (a thick outline is a cheap dilation)
    cv2.polylines(zone, [np.round(quad - [x0, y0]).astype(np.int32)], True, 1, size)
    zone = zone > 0
    grow = (d < dmat[roi]) & (d < p.fg_sigma ** 2) & zone & ~blocked[roi]
    if not grow.any():
        return None
    # only the page and what looks like its paper: other foreground nearby stays out
    near = cv2.dilate(filled, np.ones((7, 7), np.uint8)) > 0
    out = np.zeros(fg.shape, np.uint8)
    out[roi] = cv2.morphologyEx(((fg_r > 0) & near | grow).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return out


OPENINGS = (0, 7, 13)  # retries: cut off fingertips, shadow streaks and mat blobs stuck to the page
ARM_WIDTH = 0.15  # share of the frame's short side: wider than a forearm, narrower than a card


def _cut_arm(mask: np.ndarray, arm: int) -> np.ndarray:
    """The mask without an arm running in from the frame edge (for a page held by a hand the
    skin test missed). Opening wider than the forearm removes it up to the palm; the palm,
    which is wider, goes with a disc around the arm's stump; small leftovers are opened away."""
    # large discs by distance transforms (big-kernel morphology costs milliseconds)
    r = arm / 2
    core = (cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) > r).astype(np.uint8)
    opened = cv2.distanceTransform(1 - core, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r
    stump = _border_connected((mask > 0) & ~opened).astype(np.uint8)
    out = (mask > 0) & (cv2.distanceTransform(1 - stump, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) > arm)
    return cv2.morphologyEx(out.astype(np.uint8), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))


def _coarse(small: np.ndarray, p: DetectParams) -> tuple[np.ndarray | None, bool, float]:
    """Best quad over a few foreground masks (usual, weak and strong threshold; openings, arm
    cut, grown by the paper's colour), whether a document-like region crosses the frame
    edge, the score (fill of the winning quad).

    Each mask proposes its largest good quad; a proposal counts only if every side of it is
    a real edge (clear colour step across it all along), and the largest such proposal wins.
    So a page only partly found (its pale margin taken for mat) loses to the whole page
    found on the weak mask, and a weak mask leaking into a shadow (a side on bare mat) loses."""
    masks, chans, dmat, blocked, unclosed = _foreground(small, p)
    lab = cv2.merge(chans)
    props: list[tuple[np.ndarray, float]] = []
    ctx = (masks[0], masks[2], cv2.connectedComponents(masks[0], connectivity=8)[1], chans, dmat, blocked, p)
    cut = False
    for base in masks:
        cut = _propose(base, props, ctx) or cut
    best, best_fill = _pick(props, lab, p)
    if best is None:  # last resorts: the far part of the foreground (a page with mat blobs
        # stuck to it), then, unless something runs off-frame (a page cut off by the frame
        # falls into enclosed pieces), what closed outlines enclose (a pale page close to
        # the mat's colour)
        tries = [lambda: _far_part(dmat, blocked, p)] + ([] if cut else [lambda: _enclosed(chans[0], blocked)])
        for make in tries:  # built one at a time: the second only if the first found nothing
            last = make()
            if last is not None:
                props.clear()
                _propose(last, props, ctx)
                best, best_fill = _pick(props, lab, p)
                if best is not None:
                    break
    if best is not None:
        best = _one_of_several(best, unclosed, lab, p)
    return best, cut, best_fill


def _propose(base: np.ndarray, props: list, ctx) -> bool:
    """Add `base`'s proposals (as is, opened, arm cut, grown by the paper's colour) to
    `props`; whether a document-like region of `base` crosses the frame edge (fg only)."""
    fg, strong, fg_regions, chans, dmat, blocked, p = ctx
    arm = int(ARM_WIDTH * min(base.shape[:2])) | 1
    cut = False
    # A quad found after an opening, or on the high-threshold mask, may be a piece of
    # a larger region (a page cut off by the frame, split at its print); it must hold
    # nearly all of its region. The arm cut is exempt: there the page and the arm are
    # one region by design.
    regions = fg_regions if base is strong else cv2.connectedComponents(base, connectivity=8)[1]
    for k in OPENINGS + (arm,):
        if k == arm and not (base_cut or (base is fg and blocked.any())):
            continue  # no region runs off-frame, no hand or glare reaches in: no arm
        if k == arm:  # the blocked hand is part of the arm to cut, not a gap in it
            mask = _cut_arm(base | blocked, arm) & ~blocked
        else:
            mask = base if k == 0 else cv2.morphologyEx(base, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        quad, cut_k, fill = _best_quad(mask, p)
        base_cut = cut_k if k == 0 else base_cut
        cut = cut or (cut_k and base is fg)
        checked = base is strong or k not in (0, arm)
        if quad is None or (checked and not _whole_piece(quad, base, regions)):
            continue
        if not any(np.abs(quad - q).max() < 1.0 for q, _ in props):
            props.append((quad, fill))
            grown = _grow(quad, mask, chans, dmat, blocked, p)
            if grown is not None:
                gq, _, gfill = _best_quad(grown, p)
                if gq is not None and (not checked or _whole_piece(gq, base, regions)):
                    props.append((gq, gfill))
        if fill > 0.97:
            break  # a clean quad already: the openings could only shrink it
    return cut


def _pick(props, lab: np.ndarray, p: DetectParams) -> tuple[np.ndarray | None, float]:
    """The largest proposal whose four sides are all real edges, and its fill."""
    best, best_area, best_fill = None, 0.0, 0.0
    for quad, fill in props:
        area = cv2.contourArea(quad)
        if area > best_area * 1.01 and _edge_contrast(lab, quad) >= p.min_contrast:
            best, best_area, best_fill = quad, area, fill
    return best, best_fill


def _enclosed(lum: np.ndarray, blocked: np.ndarray) -> np.ndarray:
    """What closed outlines enclose: Canny edges of the light-normalised lightness, joined,
    and every pixel the frame's border cannot reach without crossing one."""
    edges = cv2.Canny(np.clip(lum, 0, 255).astype(np.uint8), 10, 30)
    walls = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    walls[blocked] = 0
    h, w = walls.shape
    outside = np.zeros((h + 2, w + 2), np.uint8)
    free = (walls == 0).astype(np.uint8)
    seeds = np.argwhere(_border_mask(h, w, 1) & (free > 0))
    for y, x in seeds[:: max(1, len(seeds) // 64)]:
        if not outside[y + 1, x + 1]:
            cv2.floodFill(free, outside, (int(x), int(y)), 2, flags=4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    inside = outside[1:-1, 1:-1] == 0
    return cv2.morphologyEx(inside.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))


def _far_part(dmat: np.ndarray, blocked: np.ndarray, p: DetectParams) -> np.ndarray | None:
    """The foreground's farther mode (Otsu on the log distance to the mat), cleaned.

    A glare halo on the mat, or a mottled mat's brighter patch, is only a little beyond the
    threshold; a page is far beyond it. When they touch, every fixed threshold keeps them
    together; the split between the two modes of the foreground's own distances does not."""
    fg = (dmat >= p.fg_sigma ** 2) & ~blocked
    if np.count_nonzero(fg) < p.min_area * fg.size:
        return None
    logd = np.log1p(np.minimum(dmat[fg], 1e6))
    lo, hi = float(logd.min()), float(logd.max())
    if hi - lo < 1.0:
        return None
    t, _ = cv2.threshold(((logd - lo) / (hi - lo) * 255).astype(np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    far = fg & (np.log1p(np.minimum(dmat, 1e6)) >= lo + t / 255 * (hi - lo))
    m = cv2.morphologyEx(far.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))


UNION_PIECE = 0.12  # share of a quad: a piece this large, with four real edges, is a document of its own
UNION_COVER = 0.6  # pieces covering this much of the quad between them: it was their union


def _one_of_several(quad: np.ndarray, unclosed: np.ndarray, lab: np.ndarray, p: DetectParams) -> np.ndarray:
    """The largest document when `quad` spans several lying close together, else `quad`.

    Two documents a few millimetres apart merge once the mask is closed, and their joint
    outline is a fine quad with four real edges. Before closing they are apart: if the quad
    holds two or more large pieces, each a quad with four real edges, that between them
    cover most of it, the quad is their union, never a document; the largest piece is."""
    filled = np.zeros(unclosed.shape, np.uint8)
    cv2.fillConvexPoly(filled, np.round(quad).astype(np.int32), 1)
    area = cv2.contourArea(quad)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(unclosed & filled, connectivity=8)
    pieces = []
    for i in np.nonzero(stats[1:, cv2.CC_STAT_AREA] >= UNION_PIECE * area)[0] + 1:
        pts = cv2.findNonZero((labels == i).astype(np.uint8))
        hull = cv2.convexHull(pts)
        piece = _quad_from_hull(hull)
        if piece is None or cv2.contourArea(piece) < p.min_fill * cv2.contourArea(hull):
            continue
        if _edge_contrast(lab, piece) >= p.min_contrast:
            pieces.append(piece)
    areas = [cv2.contourArea(q) for q in pieces]
    if len(pieces) >= 2 and sum(areas) >= UNION_COVER * area:
        return pieces[int(np.argmax(areas))]
    return quad


def _whole_piece(quad: np.ndarray, mask: np.ndarray, regions: np.ndarray) -> bool:
    """Whether a quad holds (nearly) all of `mask` within the region (label image) it lies in:
    a piece of a page cut off by the frame looks whole, but the rest of the page lies beside it."""
    filled = np.zeros(mask.shape, np.uint8)
    cv2.fillConvexPoly(filled, np.round(quad).astype(np.int32), 1)
    inside = regions[(filled > 0) & (regions > 0)]
    if not len(inside):
        return True
    region = regions == np.bincount(inside).argmax()
    cv2.polylines(filled, [np.round(quad).astype(np.int32)], True, 1, 9)  # and 4 px around it
    own = (mask > 0) & region
    return np.count_nonzero(own & (filled == 0)) <= 0.1 * max(np.count_nonzero(own), 1)


def _side_step(lab: np.ndarray, p0: np.ndarray, p1: np.ndarray, n: np.ndarray, step: float = 2.5) -> float:
    """Median colour step (Lab units) across the segment p0-p1 between just inside and just
    outside (n points outward), less the mat's own texture step measured further out (a side
    lying on a mottled or grained mat shows steps everywhere, a real edge a larger one)."""
    ts = np.linspace(0.1, 0.9, 24, dtype=np.float32)[:, None]
    base = p0[None, :] + ts * (p1 - p0)[None, :]
    pts = np.concatenate([base + o * n for o in (step, -step, step + 4, step + 9)]).astype(np.float32)
    c = cv2.remap(lab, pts[:, 0:1], pts[:, 1:2], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(4, -1, 3)
    return float(np.median(np.linalg.norm(c[0] - c[1], axis=1)) - np.median(np.linalg.norm(c[2] - c[3], axis=1)))


def _outward(quad: np.ndarray, i: int) -> np.ndarray:
    """Unit normal of side i (quad[i] -> quad[i + 1]) pointing away from the quad's centre."""
    p0, p1 = quad[i], quad[(i + 1) % 4]
    d = p1 - p0
    n = np.array([-d[1], d[0]], np.float32) / max(float(np.hypot(*d)), 1e-6)
    return -n if np.dot((p0 + p1) / 2 - quad.mean(0), n) < 0 else n


def _edge_contrast(lab: np.ndarray, quad: np.ndarray) -> float:
    """The weakest side's step (see `_side_step`)."""
    return min(_side_step(lab, quad[i], quad[(i + 1) % 4], _outward(quad, i)) for i in range(4))


def _best_quad(fg: np.ndarray, p: DetectParams) -> tuple[np.ndarray | None, bool, float]:
    h, w = fg.shape[:2]
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best, best_fill, best_area, cut = None, 0.0, 0.0, False
    frame_area = float(h * w)
    t = p.edge_touch
    cut_regions = []
    candidates = []
    for cnt in contours:
        hull = cv2.convexHull(cnt)
        hull_area = cv2.contourArea(hull)
        if hull_area < p.min_area * frame_area * 0.3:
            continue
        hp = hull.reshape(-1, 2)
        if np.any((hp[:, 0] <= t) | (hp[:, 1] <= t) | (hp[:, 0] >= w - 1 - t) | (hp[:, 1] >= h - 1 - t)):
            cut = cut or hull_area > p.min_area * frame_area * 0.6
            cut_regions.append(hull)
            continue
        quad = _quad_from_hull(hull)
        if quad is None:
            continue
        qarea = cv2.contourArea(quad)
        if not (p.min_area * frame_area <= qarea <= p.max_area * frame_area):
            continue
        fill = qarea / max(hull_area, 1.0)
        if fill < p.min_fill or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
            continue
        candidates.append((quad, qarea, fill))
    for quad, qarea, fill in candidates:
        # a piece of a page that crosses the frame edge (split by its own dark print) is
        # not a whole page: reject quads that touch a region running off-frame
        if any(_touches(quad, other) for other in cut_regions):
            continue
        # the largest good quad wins: a page whose outline is broken into a ring (a hand
        # on it, a printed border) still beats the solid block printed inside it
        if qarea > best_area:
            best, best_area, best_fill = quad, qarea, fill
    return best, cut, best_fill


def _touches(quad: np.ndarray, hull: np.ndarray, gap: float = 3.0) -> bool:
    """Whether two convex shapes overlap or lie within `gap` px of each other."""
    q = quad.reshape(-1, 1, 2).astype(np.float32)
    h = hull.reshape(-1, 1, 2).astype(np.float32)
    if any(cv2.pointPolygonTest(h, (float(x), float(y)), True) > -gap for x, y in q.reshape(-1, 2)):
        return True
    return any(cv2.pointPolygonTest(q, (float(x), float(y)), True) > -gap for x, y in h.reshape(-1, 2))


# --- sub-pixel refinement ----------------------------------------------------------------


def _refine_side(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, centre: np.ndarray, reach: float):
    """Edge points along the side p0-p1 from colour profiles across it."""
    d = p1 - p0
    length = float(np.hypot(*d))
    if length < 8:
        return None
    u = d / length
    n = np.array([-u[1], u[0]], np.float32)
    if np.dot((p0 + p1) / 2 - centre, n) < 0:
        n = -n  # outward
    m = int(np.clip(length / 12, 12, 40))
    ts = np.linspace(0.1, 0.9, m, dtype=np.float32)
    r = int(np.ceil(reach))
    ss = np.arange(-r, r + 1, dtype=np.float32)
    base = p0[None, :] + ts[:, None] * d[None, :]
    pts = base[:, None, :] + ss[None, :, None] * n[None, None, :]
    prof = cv2.remap(img, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    q = max(2, r // 3)
    c_in = np.median(prof[:, :q], axis=1)
    c_out = np.median(prof[:, -q:], axis=1)
    diff = c_in - c_out
    norm2 = (diff * diff).sum(1)
    ok = norm2 > 12.0 ** 2
    proj = ((prof - c_out[:, None, :]) * diff[:, None, :]).sum(2) / np.maximum(norm2, 1e-6)[:, None]
    above = proj >= 0.5
    cross = above[:, :-1] != above[:, 1:]
    centre_dist = np.where(cross, np.abs(ss[:-1] + 0.5)[None, :], np.inf)
    j = np.argmin(centre_dist, axis=1)
    valid = ok & cross.any(axis=1)
    rows = np.nonzero(valid)[0]
    if len(rows) < max(4, m // 4):
        return None
    jj = j[rows]
    a, b_ = proj[rows, jj], proj[rows, jj + 1]
    s = ss[jj] + (a - 0.5) / np.where(a == b_, 1e-6, a - b_)
    return (base[rows] + s[:, None] * n[None, :]).astype(np.float32)


def _intersect(l1, l2) -> np.ndarray | None:
    (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = l1, l2
    a = np.array([[vx1, -vx2], [vy1, -vy2]], np.float64)
    if abs(np.linalg.det(a)) < 1e-6:
        return None
    t = np.linalg.solve(a, np.array([x2 - x1, y2 - y1], np.float64))
    return np.array([x1 + t[0] * vx1, y1 + t[0] * vy1], np.float32)


def refine_corners(img: np.ndarray, quad: np.ndarray, reach: float) -> np.ndarray:
    """Sub-pixel corners: per side, robust line through the edge's half-way crossings."""
    centre = quad.mean(0)
    lines = []
    for i in range(4):
        pts = _refine_side(img, quad[i], quad[(i + 1) % 4], centre, reach)
        if pts is None:
            lines.append(None)
            continue
        lines.append(cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
    out = quad.copy()
    for i in range(4):
        prev, cur = lines[(i - 1) % 4], lines[i]
        if prev is None or cur is None:
            continue
        p = _intersect(prev, cur)
        if p is not None and np.hypot(*(p - quad[i])) < reach * 2.5:
            out[i] = p
    return out


# --- entry point -------------------------------------------------------------------------


def detect_document(image: np.ndarray, params: DetectParams | None = None) -> Detection:
    """Detect the whole document in a BGR frame. Pure: no state, no I/O."""
    p = params or DetectParams()
    h, w = image.shape[:2]
    if min(h, w) < 4 * p.border_px:
        return Detection(None, False, 0.0)
    scale = max(1.0, max(h, w) / WORK_LONG_SIDE)
    small = image if scale == 1.0 else cv2.resize(image, (round(w / scale), round(h / scale)), interpolation=cv2.INTER_AREA)
    quad, cut, score = _coarse(small, p)
    if quad is None:
        return Detection(None, cut, 0.0)
    sx, sy = w / small.shape[1], h / small.shape[0]
    quad = quad * np.array([sx, sy], np.float32) + np.array([(sx - 1) / 2, (sy - 1) / 2], np.float32)
    quad = order_corners(quad)
    fine = refine_corners(image, quad, reach=4 * scale + 3)
    fine = refine_corners(image, fine, reach=2 * scale + 3)
    fine = order_corners(refine_corners(image, fine, reach=scale + 3))
    ratio = cv2.contourArea(fine) / max(cv2.contourArea(quad), 1.0)
    if 0.85 < ratio < 1.18 and cv2.isContourConvex(fine.reshape(-1, 1, 2)):
        quad = fine  # else the edges were too weak to trust: keep the coarse corners
    margin = p.edge_margin * min(h, w)
    if np.any(quad < margin) or np.any(quad[:, 0] > w - 1 - margin) or np.any(quad[:, 1] > h - 1 - margin):
        return Detection(None, True, 0.0)  # the page runs into the frame's edge
    return Detection(quad, cut, float(score))
