"""`face compare`, `face check`, `face calibrate` and `doc mrz` on real files, through the
argparse registration (the face camera is the simulated one: a packaged portrait)."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from devices.card.mrz import MrzFormat
from devices.face.settings import FaceCameraSettings
from kiosk.commands import doc, face
from tests.support.mrz_pages import TUNING, make_page

SAMPLES = Path(__file__).resolve().parents[3] / "devices" / "face" / "samples"


def _run(module, argv, settings=None):
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, lambda: SimpleNamespace(face_camera=settings or FaceCameraSettings()))


def test_face_compare_same_and_other(capsys):
    rc = _run(face, ["face", "compare", str(SAMPLES / "person_a.jpg"), str(SAMPLES / "person_a_3.jpg"), "--json"])
    same = json.loads(capsys.readouterr().out)
    rc2 = _run(face, ["face", "compare", str(SAMPLES / "person_a.jpg"), str(SAMPLES / "person_b.jpg")])
    out = capsys.readouterr().out
    assert rc == rc2 == 0
    assert same["matched"] is True and same["band"] == "strong" and same["distance"] < 0.4
    assert "different people" in out and "far" in out


def test_face_compare_without_a_face_is_one_line(tmp_path, capsys):
    """Bad input: an image with no face in it."""
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    rc = _run(face, ["face", "compare", str(SAMPLES / "person_a.jpg"), str(blank)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and err == [f"{blank}: 0 faces found, need exactly one"]


def test_face_check_prints_only_the_outcome(capsys):
    """The simulated citizen holds still: the liveness challenge cannot pass, and says so."""
    rc = _run(face, ["face", "check", "--timeout", "3", "--json"])
    outcome = json.loads(capsys.readouterr().out)
    assert rc == 1 and outcome == {"matched": False, "band": "far", "method": "dlib-resnet-v1+head-turn",
                                   "live": False, "reason": "liveness"}


def test_face_calibrate_on_folders_per_person(tmp_path, capsys):
    for person, files in (("a", ["person_a.jpg", "person_a_2.jpg", "person_a_3.jpg"]), ("b", ["person_b.jpg"])):
        (tmp_path / person).mkdir()
        for f in files:
            shutil.copy(SAMPLES / f, tmp_path / person / f)
    rc = _run(face, ["face", "calibrate", str(tmp_path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0 and result["genuine_pairs"] == 3 and result["impostor_pairs"] == 3
    assert result["false_accepts"] == 0 and result["false_rejects"] == 0 and 0.4 < result["threshold"] < 0.85


def test_doc_mrz_fields_and_agreement(tmp_path, capsys):
    page = make_page(TUNING[11], fmt=MrzFormat.TD3)
    paths = []
    for i in range(2):
        path = tmp_path / f"frame{i}.jpg"
        cv2.imwrite(str(path), page.image)
        paths.append(str(path))
    rc = _run(doc, ["doc", "mrz", *paths, "--agree", "2", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 0 and lines[-1] == {"agreed": True, "agree": 2}
    fields = lines[0]["mrz"]
    assert fields["lines"] == list(page.lines) and fields["document_number"] == page.holder.number
    assert fields["check_digits"] == "valid" and fields["format"] == "TD3"


def test_doc_mrz_on_a_blank_frame_fails(tmp_path, capsys):
    """Bad input: an image with no MRZ."""
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((600, 800, 3), 30, np.uint8))
    rc = _run(doc, ["doc", "mrz", str(blank)])
    assert rc == 1 and capsys.readouterr().err.strip() == f"{blank}: no MRZ with valid check digits found"
