"""Document detection: this station's detector vs the classic tutorial pipeline.

Both run in one process on the same generated 1920x1080 platen frames (devices.camera.synth,
fixed seeds), on one core (cv2.setNumThreads(1)). The classic peer is the common tutorial
recipe: downscale to 500 px high, grey, Gaussian blur, Canny 75/200, findContours, the
largest contour whose approxPolyDP (2% of the perimeter) has four vertices.

Figures: mean IoU of the corners over frames with a whole document (a miss counts 0),
share with IoU >= 0.9, false positives (corners returned on frames without a whole document:
empty platens, hands only, pages cut off by the frame), frames per second of detection alone.
Targets for ours: mean IoU >= 0.98, share >= 0.97, FP <= 2%, >= 30 fps.

    python bench/docs.py [--frames 400] [--seed 0] [--width 1920 --height 1080]
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import sys
import time

import cv2
import numpy as np

sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

from devices.camera import synth  # noqa: E402
from devices.camera.detect import detect_document, order_corners, quad_iou  # noqa: E402


def classic(image: np.ndarray) -> np.ndarray | None:
    """Canny + findContours + approxPolyDP on a downscaled image, as in the tutorials."""
    ratio = image.shape[0] / 500.0
    small = cv2.resize(image, (int(round(image.shape[1] / ratio)), 500))
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    edged = cv2.Canny(gray, 75, 200)
    contours, _ = cv2.findContours(edged.copy(), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        peri = cv2.arcLength(c, True)
        approx = cv2.approxPolyDP(c, 0.02 * peri, True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2).astype(np.float32) * ratio)
    return None


def ours(image: np.ndarray) -> np.ndarray | None:
    return detect_document(image).corners


def evaluate(name, fn, samples):
    ious, fp, neg, per_mat, elapsed = [], 0, 0, collections.defaultdict(list), 0.0
    for s in samples:
        t = time.perf_counter()
        corners = fn(s.image)
        elapsed += time.perf_counter() - t
        if s.situation == synth.Situation.WHOLE:
            iou = quad_iou(corners, s.corners) if corners is not None else 0.0
            ious.append(iou)
            per_mat[s.mat].append(iou)
        else:
            neg += 1
            fp += corners is not None
    ious = np.array(ious)
    return {
        "name": name,
        "mean_iou": float(ious.mean()),
        "share_090": float(np.mean(ious >= 0.9)),
        "fp": fp / max(neg, 1),
        "fp_n": f"{fp}/{neg}",
        "fps": len(samples) / elapsed,
        "per_mat": {m: float(np.mean(v)) for m, v in sorted(per_mat.items())},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0, help="first seed; frames use seed..seed+frames-1")
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    t = time.perf_counter()
    samples = [synth.sample(a.seed + i, a.width, a.height) for i in range(a.frames)]
    counts = collections.Counter(s.situation.value for s in samples)
    print(f"{a.frames} frames {a.width}x{a.height} (seeds {a.seed}..{a.seed + a.frames - 1}), "
          f"generated in {time.perf_counter() - t:.0f} s: {dict(counts)}")
    rows = [evaluate("ours (mat model + edge refinement)", ours, samples),
            evaluate("classic (Canny+findContours+approxPolyDP)", classic, samples)]
    print()
    print(f"{'detector':44} {'mean IoU':>9} {'IoU>=0.9':>9} {'FP':>12} {'fps':>7}")
    for r in rows:
        print(f"{r['name']:44} {r['mean_iou']:9.4f} {r['share_090']:9.3f} {r['fp']:7.1%} {r['fp_n']:>4} {r['fps']:7.1f}")
    o, c = rows
    print(f"{'target (ours)':44} {'>= 0.98':>9} {'>= 0.97':>9} {'<= 2%':>12} {'>= 30':>7}")
    print(f"\nratios ours/classic: mean IoU x{o['mean_iou'] / max(c['mean_iou'], 1e-9):.2f}, "
          f"share x{o['share_090'] / max(c['share_090'], 1e-9):.2f}, speed x{o['fps'] / c['fps']:.2f}")
    print("\nmean IoU per mat:")
    for m in o["per_mat"]:
        print(f"  {m:10} ours {o['per_mat'][m]:.4f}   classic {c['per_mat'].get(m, 0):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
