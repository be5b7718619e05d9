"""`face compare`, `face check` and `face calibrate`: the face check from the command line.

Technicians' and developers' tools, for test images and their own face only: `compare`
prints the distance between the faces of two image files and the decision; `check` runs the
live face check on the configured face camera (liveness challenge included) and prints only
the outcome, as the station would hand it on; `calibrate` proposes a threshold from a folder
of labelled photos (docs/face.md, "Calibrating the threshold").
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from devices.errors import DeviceError, FaceCheckUnavailable, ReferencePhotoUnusable
from devices.face.base import FaceCamera
from devices.face.decision import calibrate, decide
from devices.face.engine import FaceEngine, distance
from devices.face.session import FaceSession, Progress, run_check
from kiosk.bootstrap import parts
from kiosk.config import Config
from kiosk.commands.argtypes import seconds
from kiosk.commands.doc import _read_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".jp2", ".j2k", ".tif", ".tiff", ".webp"}
MAX_CALIBRATION_IMAGES = 2000


def register(subparsers: argparse._SubParsersAction) -> None:
    face = subparsers.add_parser("face", help="face check: compare images, run a live check, calibrate")
    commands = face.add_subparsers(dest="face_command", metavar="SUBCOMMAND", required=True)
    compare = commands.add_parser("compare", help="distance and decision between the faces of two images")
    compare.add_argument("first", metavar="IMAGE")
    compare.add_argument("second", metavar="IMAGE")
    compare.add_argument("--json", action="store_true", help="one JSON object")
    compare.set_defaults(func=_compare)
    check = commands.add_parser("check", help="live face check on the face camera (technicians)")
    check.add_argument("--reference", metavar="IMAGE",
                       help="photo to compare with (default: the first frame showing one face)")
    check.add_argument("--timeout", type=seconds(0.1, 600), default=None, help="give up after this many seconds")
    check.add_argument("--json", action="store_true", help="the outcome as one JSON object")
    check.set_defaults(func=_check)
    cal = commands.add_parser("calibrate", help="propose a threshold from photos in one folder per person")
    cal.add_argument("folder", type=Path, metavar="FOLDER")
    cal.add_argument("--json", action="store_true", help="one JSON object")
    cal.set_defaults(func=_calibrate)


def _engine(config: Config) -> FaceEngine | None:
    """The face engine, or None after saying on stderr why this station cannot run one."""
    try:
        return parts.face_engine(config)
    except FaceCheckUnavailable as exc:
        print(exc, file=sys.stderr)
        return None


def _one_face(engine: FaceEngine, path: str) -> np.ndarray:
    """The embedding of the one face in the image at `path`; ValueError saying why not."""
    image, error = _read_image(path)
    if image is None:
        raise ValueError(error)
    faces = engine.find(image)
    if len(faces) != 1:
        raise ValueError(f"{len(faces)} faces found, need exactly one")
    return engine.embed(image, faces[0])


def _compare(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    engine = _engine(config)
    if engine is None:
        return 1
    embeddings = []
    for path in (args.first, args.second):
        try:
            embeddings.append(_one_face(engine, path))
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
    d = distance(*embeddings)
    threshold = config.face_camera.threshold
    matched, band = decide(d, threshold)
    if args.json:
        print(json.dumps({"distance": round(d, 4), "threshold": threshold, "matched": matched, "band": band.value}))
    else:
        print(f"distance {d:.3f} (threshold {threshold:.3f}): {'same person' if matched else 'different people'}, {band.value}")
    return 0


def _first_face_frame(camera: FaceCamera, engine: FaceEngine, timeout_s: float) -> np.ndarray:
    """The first frame showing exactly one face, as the reference when none is given."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame = camera.latest(timeout=min(1.0, max(0.05, deadline - time.monotonic())))
        if len(engine.find(frame.image)) == 1:
            return frame.image.copy()
    raise ReferencePhotoUnusable(f"no single face before the camera within {timeout_s:.1f} s")


def _check(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    settings = config.face_camera
    timeout = args.timeout if args.timeout is not None else settings.timeout_s
    engine = _engine(config)
    if engine is None:
        return 1
    reference = None
    if args.reference is not None:
        reference, error = _read_image(args.reference)
        if reference is None:
            print(f"{args.reference}: {error}", file=sys.stderr)
            return 1
    camera = parts.face_camera(config)
    shown: list[str] = []

    def follow(progress: Progress) -> None:
        if not args.json and (not shown or shown[-1] != progress.prompt.value):
            shown.append(progress.prompt.value)
            print(f"now: {progress.prompt.value}", flush=True)

    camera.start()
    try:
        if reference is None:
            reference = _first_face_frame(camera, engine, timeout)
        with FaceSession(engine, reference, threshold=settings.threshold, turns=settings.turns,
                         turn_yaw=settings.turn_yaw) as session:
            outcome = run_check(camera, session, timeout, on_progress=follow)
    except DeviceError as exc:
        print(f"face check failed: {exc}", file=sys.stderr)
        return 1
    finally:
        camera.stop()
    if args.json:
        print(json.dumps(outcome.as_dict()))
    else:
        verdict = "matched" if outcome.matched else f"refused ({outcome.reason})"
        print(f"{verdict}, band {outcome.band.value}, live {outcome.live}, method {outcome.method}")
    return 0 if outcome.matched else 1


def _calibrate(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    try:
        people = sorted(p for p in args.folder.iterdir() if p.is_dir())
    except OSError as exc:
        print(f"cannot read {args.folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    photos = {p.name: sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) for p in people}
    if sum(map(len, photos.values())) > MAX_CALIBRATION_IMAGES:
        print(f"more than {MAX_CALIBRATION_IMAGES} photos: split the set", file=sys.stderr)
        return 1
    engine = _engine(config)
    if engine is None:
        return 1
    embedded: list[tuple[str, np.ndarray]] = []
    skipped = 0
    for person, files in photos.items():
        for f in files:
            try:
                embedded.append((person, _one_face(engine, str(f))))
            except ValueError:
                skipped += 1
    genuine, impostor = [], []
    for (pa, ea), (pb, eb) in itertools.combinations(embedded, 2):
        (genuine if pa == pb else impostor).append(distance(ea, eb))
    try:
        result = calibrate(genuine, impostor)
    except ValueError as exc:
        print(f"{args.folder}: {exc} (one folder per person, two or more photos each)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**result.as_dict(), "photos": len(embedded), "skipped": skipped}))
    else:
        print(f"threshold {result.threshold:.3f}: {result.false_rejects} of {result.genuine_pairs} same-person pairs "
              f"refused, {result.false_accepts} of {result.impostor_pairs} different-person pairs accepted "
              f"({len(embedded)} photos, {skipped} without exactly one face)")
    return 0
