"""Document detection: this station's detector vs the classic tutorial pipeline, on two splits.

Both detectors run in one process on the same widened platen frames (`devices.camera.synth.
wide_sample`: seals, handwriting, grid/wood/dark textured mats, the arm's shadow, glare on
the page's edge, curled pages, booklet spreads, two documents, cheap cameras, cut-off
cards; 1920x1080, 1600x1200 and 1280x720), on one core (cv2.setNumThreads(1)), on two
seed splits: `tuning` (synth.TUNING_SEEDS, the frames the detector may be tuned on) and
`held-out` (synth.HELD_OUT_SEEDS, never looked at while tuning). The classic peer is the
common tutorial recipe: downscale to 500 px high, grey, Gaussian blur, Canny 75/200,
findContours, the largest contour whose approxPolyDP (2% of the perimeter) has four vertices.

Figures: mean IoU of the corners over frames with one whole document (a miss counts 0),
share with IoU >= 0.9, false positives (corners returned on frames without a whole
document: empty platens, hands only, documents cut off by the frame), on frames with two
documents the wrong answers (corners that match neither document: a union or a piece;
picking either one or refusing is right), frames per CPU second of detection alone (process
time, one thread: on a shared machine wall-clock speed measures the neighbours); then mean
IoU per kind, mat, frame size and condition. Targets for ours on the held-out split: mean
IoU >= 0.98, share >= 0.97, FP <= 2%, >= 30 fps.

    python bench/docs.py [--frames 400] [--split tuning|held-out|both] [--failures DIR]
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

SPLITS = {"tuning": synth.TUNING_SEEDS, "held-out": synth.HELD_OUT_SEEDS}


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


def groups(s: synth.Sample) -> list[str]:
    """The rows a whole-document frame counts in: its kind, mat, size and conditions."""
    kind = s.kind.value + (" spread" if "spread" in s.conditions else "")
    h, w = s.image.shape[:2]
    return [f"kind {kind}", f"mat {s.mat}", f"size {w}x{h}"] + [f"cond {c}" for c in s.conditions]


def evaluate(fn, samples) -> dict:
    """Run `fn` on every sample; IoUs of whole documents, negatives' and pairs' verdicts, speed."""
    ious, per, fp, neg, wrong, two, elapsed, fails = [], collections.defaultdict(list), 0, 0, 0, 0, 0.0, []
    fp_by = collections.Counter()
    for seed, s in samples:
        t = time.process_time()
        corners = fn(s.image)
        elapsed += time.process_time() - t
        if s.situation == synth.Situation.WHOLE:
            iou = quad_iou(corners, s.corners) if corners is not None else 0.0
            ious.append(iou)
            for g in groups(s):
                per[g].append(iou)
            if iou < 0.9:
                fails.append((seed, s, corners, f"IoU {iou:.3f}"))
        elif s.situation == synth.Situation.TWO:
            two += 1
            if corners is not None and max(quad_iou(corners, c) for c in (s.corners, *s.others)) < 0.9:
                wrong += 1
                fails.append((seed, s, corners, "two documents: neither"))
        else:
            neg += 1
            if corners is not None:
                fp += 1
                fp_by[s.situation.value] += 1
                fails.append((seed, s, corners, f"false positive ({s.situation.value})"))
    ious = np.array(ious)
    return {
        "mean_iou": float(ious.mean()), "share_090": float(np.mean(ious >= 0.9)), "misses": int(np.sum(ious == 0)),
        "fp": fp / max(neg, 1), "fp_n": f"{fp}/{neg}", "fp_by": dict(fp_by), "two": f"{wrong}/{two}",
        "fps": len(samples) / elapsed, "per": {g: float(np.mean(v)) for g, v in per.items()},
        "n": {g: len(v) for g, v in per.items()}, "fails": fails,
    }


def save_failures(fails, out: pathlib.Path, split: str) -> None:
    """Each failure as a small PNG: truth in green, the answer in red."""
    out.mkdir(parents=True, exist_ok=True)
    for seed, s, corners, why in fails:
        img = s.image.copy()
        for c in (s.corners, *s.others):
            if c is not None:
                cv2.polylines(img, [np.round(c).astype(np.int32)], True, (0, 200, 0), 3)
        if corners is not None:
            cv2.polylines(img, [np.round(corners).astype(np.int32)], True, (0, 0, 255), 3)
        f = 480 / max(img.shape[:2])
        small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(out / f"{split}-{seed}.png"), small)
        print(f"  {split} seed {seed}: {why} ({s.kind.value if s.kind else '-'}, mat {s.mat}, {', '.join(s.conditions)})")


def report(split: str, seeds: range, frames: int, failures: pathlib.Path | None) -> None:
    t = time.perf_counter()
    samples = [(seed, synth.wide_sample(seed)) for seed in seeds[:frames]]
    counts = collections.Counter(s.situation.value for _, s in samples)
    print(f"\n== {split}: seeds {seeds.start}..{seeds.start + frames - 1}, generated in "
          f"{time.perf_counter() - t:.0f} s: {dict(counts)}")
    o, c = evaluate(ours, samples), evaluate(classic, samples)
    print(f"{'detector':10} {'mean IoU':>9} {'IoU>=0.9':>9} {'misses':>7} {'FP (doc-free, cut)':>20} {'two docs wrong':>15} {'fps/CPU':>7}")
    for name, r in (("ours", o), ("classic", c)):
        print(f"{name:10} {r['mean_iou']:9.4f} {r['share_090']:9.3f} {r['misses']:7d} "
              f"{r['fp']:8.1%} {r['fp_n']:>8} {r['two']:>15} {r['fps']:7.1f}")
    print(f"{'target':10} {'>= 0.98':>9} {'>= 0.97':>9} {'':7} {'<= 2%':>20} {'':15} {'>= 30':>7}")
    print(f"false positives of ours by situation: {o['fp_by'] or 'none'}")
    print(f"\n{'mean IoU per group':34} {'frames':>6} {'ours':>7} {'classic':>8}")
    for g in sorted(o["per"]):
        print(f"  {g:32} {o['n'][g]:6d} {o['per'][g]:7.4f} {c['per'][g]:8.4f}")
    if failures is not None:
        print("failures of ours:")
        save_failures(o["fails"], failures, split)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=400, help="frames per split")
    ap.add_argument("--split", choices=("tuning", "held-out", "both"), default="both")
    ap.add_argument("--failures", type=pathlib.Path, help="write a PNG of each failure of ours here")
    a = ap.parse_args()
    if not 0 < a.frames <= len(synth.TUNING_SEEDS):
        ap.error(f"--frames must be 1..{len(synth.TUNING_SEEDS)}")
    cv2.setNumThreads(1)
    for split, seeds in SPLITS.items():
        if a.split in (split, "both"):
            report(split, seeds, a.frames, a.failures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
