"""`doc detect`, `doc capture` and `doc mrz`: the document pipeline from the command line.

`doc mrz PATH... --json` reads the machine-readable zone of each image (fields, and whether
every check digit holds), then says which MRZ `--agree` of the images read alike, as the
station requires before it opens a chip with it.

`doc detect PATH... --json` prints one JSON object a line, corners in the input image's
pixels (null when there is no whole document). `doc capture` runs the live pipeline
(camera -> tracker -> auto-capture) and writes the captured pages as JPEG files: it is a
technician's and developer's tool, to be used with test documents only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from devices.camera.base import DocKind
from devices.camera.mrz_read import MrzRead, MrzReader, MrzVote
from devices.camera.pipeline import analyse
from devices.errors import CameraLost, DeviceError, MrzUnreadable
from kiosk.bootstrap import parts
from kiosk.commands.argtypes import seconds, whole

#: A camera page is a few MiB; anything far bigger is not one (and is not read into memory).
MAX_IMAGE_BYTES = 64 * 2**20
MAX_PAGES = 100
MAX_CAMERA_INDEX = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    doc = subparsers.add_parser("doc", help="document camera: detect pages in images, capture from a camera")
    commands = doc.add_subparsers(dest="doc_command", metavar="SUBCOMMAND", required=True)
    detect = commands.add_parser("detect", help="find the document in image files")
    detect.add_argument("paths", nargs="+", metavar="PATH")
    detect.add_argument("--json", action="store_true", help="one JSON object a line")
    detect.set_defaults(func=_detect)
    capture = commands.add_parser("capture", help="run the live pipeline and write captured pages")
    capture.add_argument("--source", help="camera index, video/image file or URL (default: the configured camera)")
    capture.add_argument("--out", required=True, type=Path, help="directory for page-N.jpg")
    capture.add_argument("--kind", default="a4", choices=[k.value for k in DocKind])
    capture.add_argument(
        "--pages", type=whole(1, MAX_PAGES), default=1, help="pages to capture (remove and place the next)"
    )
    capture.add_argument("--timeout", type=seconds(0.1, 3600), default=60.0, help="give up after this many seconds")
    capture.set_defaults(func=_capture)
    mrz = commands.add_parser("mrz", help="read the machine-readable zone in image files")
    mrz.add_argument("paths", nargs="+", metavar="PATH")
    mrz.add_argument("--agree", type=whole(1, MAX_PAGES), default=1, help="images that must read alike (default 1)")
    mrz.add_argument("--json", action="store_true", help="one JSON object per image, then the agreed MRZ")
    mrz.set_defaults(func=_mrz)


def _read_image(path: str) -> tuple[np.ndarray | None, str]:
    """The decoded image, or None and why not: the file is read here, not by `cv2.imread`,
    whose own warning line would land on stderr beside ours."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read image: {exc.strerror or exc}"
    if len(data) > MAX_IMAGE_BYTES:
        return None, f"cannot read image: larger than {MAX_IMAGE_BYTES // 2**20} MiB"
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    return image, "" if image is not None else "cannot read image: not an image file"


def _detect(args: argparse.Namespace, load_config) -> int:
    failed = 0
    for path in args.paths:
        image, error = _read_image(path)
        if image is None:
            failed += 1
            if args.json:
                print(json.dumps({"path": path, "corners": None, "quality": None, "error": error}))
            else:
                print(f"{path}: {error}", file=sys.stderr)
            continue
        result = analyse(image)
        if args.json:
            print(json.dumps({"path": path, **result.as_json()}, ensure_ascii=False))
        elif result.corners is None:
            print(f"{path}: no whole document ({result.guidance.value})")
        else:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in result.corners)
            print(f"{path}: {pts} ({result.guidance.value})")
    if failed and len(args.paths) > 1:
        print(f"{failed} of {len(args.paths)} images could not be read", file=sys.stderr)
    return 1 if failed else 0


def _camera_index(source: str) -> bool:
    """A /dev/videoN index as OpenCV takes it (ASCII digits, a small number)."""
    return source.isascii() and source.isdigit() and int(source) < MAX_CAMERA_INDEX


def _capture(args: argparse.Namespace, load_config) -> int:
    config = load_config()
    if args.source is not None:
        if not (_camera_index(args.source) or "://" in args.source or os.path.isfile(args.source)):
            print(f"no camera source {args.source!r}: not a camera index, a URL or a file", file=sys.stderr)
            return 1
        camera_settings = config.camera.model_copy(update={"backend": "opencv", "source": args.source})
        config = dataclasses.replace(config, camera=camera_settings)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"cannot create {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    camera = parts.camera(config)
    tracker = parts.tracker_factory(config)(DocKind(args.kind))
    deadline = time.monotonic() + args.timeout
    written: list[Path] = []
    last_error = ""
    camera.start()
    try:
        while len(written) < args.pages and time.monotonic() < deadline:
            try:
                frame = camera.latest(timeout=min(1.0, max(0.05, deadline - time.monotonic())))
            except CameraLost as exc:  # the backend reopens by itself; keep waiting
                last_error = str(exc)
                time.sleep(0.1)
                continue
            update = tracker.update(frame)
            if update.captured is not None:
                path = args.out / f"page-{len(written) + 1}.jpg"
                path.write_bytes(update.captured.jpeg)
                written.append(path)
                print(f"{path} {update.captured.width}x{update.captured.height} {len(update.captured.jpeg)} bytes")
    except DeviceError as exc:
        print(f"capture failed: {exc}", file=sys.stderr)
        return 1
    finally:
        camera.stop()
    if len(written) < args.pages:
        why = f" (last camera error: {last_error})" if last_error else ""
        print(f"timed out: {len(written)} of {args.pages} pages captured{why}", file=sys.stderr)
        return 1
    return 0


def _mrz_fields(read: MrzRead) -> dict[str, object]:
    m = read.mrz
    return {"format": m.format.value, "lines": list(read.lines), "document_code": m.document_code,
            "issuing_state": m.issuing_state, "document_number": m.document_number,
            "birth_date": m.birth_date.isoformat(), "expiry_date": m.expiry_date.isoformat(), "sex": m.sex,
            "nationality": m.nationality, "surname": m.surname, "given_names": m.given_names,
            "check_digits": "valid"}


def _mrz(args: argparse.Namespace, load_config) -> int:
    try:
        reader = MrzReader()
    except MrzUnreadable as exc:
        print(exc, file=sys.stderr)
        return 1
    vote = MrzVote(args.agree)
    agreed: MrzRead | None = None
    failed = 0
    try:
        for path in args.paths:
            image, error = _read_image(path)
            read = reader.read(image) if image is not None else None
            if read is None:
                failed += 1
                error = error or "no MRZ with valid check digits found"
                if args.json:
                    print(json.dumps({"path": path, "mrz": None, "error": error}))
                else:
                    print(f"{path}: {error}", file=sys.stderr)
                continue
            agreed = agreed or vote.add(read)
            if args.json:
                print(json.dumps({"path": path, "mrz": _mrz_fields(read)}, ensure_ascii=False))
            else:
                m = read.mrz
                print(f"{path}: {m.format.value} {m.document_code} {m.issuing_state} no. {m.document_number}, "
                      f"born {m.birth_date}, expires {m.expiry_date}, check digits valid")
    finally:
        vote.clear()
        reader.close()
    if args.json:
        print(json.dumps({"agreed": agreed is not None, "agree": args.agree}))
    elif agreed is None and (not failed or len(args.paths) > 1):  # one image: its own line says it
        print(f"no MRZ read alike on {args.agree} of {len(args.paths)} images", file=sys.stderr)
    return 0 if agreed is not None and not failed else 1
