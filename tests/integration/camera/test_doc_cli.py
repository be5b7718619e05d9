"""`doc detect` and `doc capture` on real files, through the argparse registration."""

import argparse
import json

import cv2
import numpy as np

from devices.camera import synth
from devices.camera.detect import quad_iou
from devices.camera.settings import CameraSettings
from kiosk.commands import doc
from tests.integration.camera.videos import slide_hold_remove
from tests.support.station_config import station_config


def _run(argv, settings=None):
    parser = argparse.ArgumentParser()
    doc.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, lambda: station_config(camera=settings or CameraSettings()))


def test_detect_json_lines(tmp_path, capsys):
    """Bad input: an empty platen, a cut-off page and a file that is not an image."""
    whole = synth.sample(40, 1280, 720, situation=synth.Situation.WHOLE, mat="light")
    empty = synth.sample(41, 1280, 720, situation=synth.Situation.EMPTY)
    cut = synth.sample(42, 1280, 720, situation=synth.Situation.CUT, mat="dark")
    paths = []
    for name, s in (("whole.png", whole), ("empty.jpg", empty), ("cut.png", cut)):
        cv2.imwrite(str(tmp_path / name), s.image)
        paths.append(str(tmp_path / name))
    (tmp_path / "junk.png").write_bytes(b"not an image")
    rc = _run(["doc", "detect", *paths, str(tmp_path / "junk.png"), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 1 and [x["path"] for x in lines] == [*paths, str(tmp_path / "junk.png")]
    first = lines[0]
    assert quad_iou(np.array(first["corners"], np.float32), whole.corners) > 0.95
    assert set(first["quality"]) >= {"sharpness", "glare", "brightness", "margin", "guidance"}
    assert lines[1]["corners"] is None and lines[1]["quality"]["guidance"] == "no_document"
    assert lines[2]["corners"] is None and lines[2]["quality"]["guidance"] == "cut_off"
    assert lines[3]["error"] == "cannot read image: not an image file"


def test_capture_from_a_video_file_writes_one_page(tmp_path, capsys):
    video = slide_hold_remove(tmp_path / "slide.avi", slide=6, hold=20, empty=2)
    out = tmp_path / "pages"
    settings = CameraSettings(fps=60, steady_frames=4)
    rc = _run(["doc", "capture", "--source", str(video), "--out", str(out), "--kind", "a4", "--timeout", "10"], settings)
    assert rc == 0, capsys.readouterr().err
    page = cv2.imread(str(out / "page-1.jpg"))
    assert page is not None and abs(max(page.shape[:2]) / min(page.shape[:2]) - 297 / 210) < 0.01


def test_capture_from_a_missing_source_is_one_line(tmp_path, capsys):
    """Bad input: a source that does not exist is refused before the camera starts."""
    rc = _run(["doc", "capture", "--source", str(tmp_path / "nope.avi"), "--out", str(tmp_path / "o"), "--timeout", "1"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1 and "not a camera index, a URL or a file" in err
