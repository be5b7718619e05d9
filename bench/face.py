"""Face check: time per frame on one core, over whole simulated checks.

A check is what the station runs: each frame is searched for a face (HOG on a copy shrunk
to `detect_width`) with its five landmarks, the head-turn challenge is judged, and frontal
frames of the centre steps are embedded (ResNet) until three samples are in. The simulated
face camera serves the packaged portrait turning as asked. dlib runs on one thread.

Figures: CPU time per frame (median, p95, the worst), split into frames with and without an
embedding; frames per check; the outcome of each check. Target: <= 150 ms a frame.
Accuracy on real faces is not measured here (needs a local calibration set: docs/face.md).

    python bench/face.py [--checks 5]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import statistics
import sys
import time

sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])  # the repo root instead of bench/

import cv2  # noqa: E402

from devices.face.engine import FaceEngine  # noqa: E402
from devices.face.session import FaceSession  # noqa: E402
from devices.face.simulated import SimulatedFaceCamera, sample_portrait  # noqa: E402
from tests.unit.face.script import cooperative  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    engine = FaceEngine()
    camera = SimulatedFaceCamera(sample_portrait())
    camera.start()
    plain, embedded, frames_per_check, outcomes = [], [], [], []
    for i in range(max(1, args.checks)):
        reference, _ = sample_portrait("person_a_2.jpg")
        with FaceSession(engine, reference, threshold=0.5, rng=random.Random(i)) as session:
            camera.turn(cooperative(session.challenge.steps))
            frames = 0
            while not session.complete and frames < 60:
                image = camera.latest().image
                before = session.taken
                c0 = time.process_time()
                session.feed(image)
                ms = (time.process_time() - c0) * 1000
                (embedded if session.taken > before else plain).append(ms)
                frames += 1
            frames_per_check.append(frames)
            outcomes.append(session.outcome(timed_out=True))
    every = plain + embedded
    q = statistics.quantiles(every, n=20)
    print(f"checks: {len(outcomes)}, matched {sum(o.matched for o in outcomes)}, frames a check {statistics.median(frames_per_check):.0f}")
    print(f"CPU ms a frame: median {statistics.median(every):.0f}, p95 {q[18]:.0f}, worst {max(every):.0f} "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"  detect + landmarks only: median {statistics.median(plain):.0f} ({len(plain)} frames); "
          f"with an embedding: median {statistics.median(embedded):.0f} ({len(embedded)} frames)")
    good = statistics.median(every) <= 150 and all(o.matched for o in outcomes)
    print("targets met" if good else "targets NOT met")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
