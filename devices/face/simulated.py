"""A scriptable, recording face camera over a portrait (a packaged sample or a given image).

A portrait comes with its face's centre (nose) and width: the packaged samples' are in
samples/portraits.json, a given image is taken to be passport-style (face in the middle).

Each `latest()` serves the next pose of the script; when the script runs out the last pose
repeats (the citizen just stands there). Deterministic: no randomness, timestamps `seq / fps`.

A head turn is imitated by moving the middle of the face (nose and mouth) sideways more than
its edges (eyes, cheeks): a smooth displacement field centred on the nose, which is what a
real turn does to the five landmarks. A held-up photograph (`hold_photo`) instead turns the
whole picture as one plane, so the nose stays between the eyes: what the liveness challenge
must refuse. Scripting:

    cam.look(0.0)                 # facing the camera
    cam.turn([0.0, 0.2, 0.4])     # one frame per yaw, then the last one rests
    cam.hold_photo([0.0, 0.5])    # a flat photo rotated about its vertical axis
    cam.leave(); cam.show(other)  # nobody there; another person steps up
    cam.fail_next = CameraLost(); cam.unplug(); cam.replug()
    cam.served                    # every frame's pose (the truth)
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

from devices.camera.base import Frame
from devices.errors import CameraLost, DeviceError

SAMPLE = "person_a.jpg"
#: Share of the frame's width the face spans: the citizen stands at arm's length.
FACE_SHARE = 0.3


def load_portrait(path: str | None = None) -> tuple[np.ndarray, tuple[float, float, float]]:
    """A BGR portrait and its face's centre: the file at `path`, else the packaged sample."""
    if not path:
        return sample_portrait()
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise CameraLost(f"simulated face camera: cannot read the portrait {path}")
    return image, _guess_centre(image)


@dataclass(frozen=True, slots=True)
class Pose:
    """What stands before the camera: nobody, a live head turned by `yaw`, or a photo tilted."""

    present: bool = True
    yaw: float = 0.0  # live head: nose shift in face widths (+ = to the image's right)
    photo_tilt: float = 0.0  # held-up photo: rotation about its vertical axis, radians
    portrait: int = 0  # which of the shown portraits


@dataclass(frozen=True, slots=True)
class Served:
    seq: int
    pose: Pose


def sample_portrait(name: str = SAMPLE) -> tuple[np.ndarray, tuple[float, float, float]]:
    """A packaged portrait and its face's (nose x, nose y, face width), from portraits.json."""
    folder = resources.files("devices.face").joinpath("samples")
    data = folder.joinpath(name).read_bytes()
    where = json.loads(folder.joinpath("portraits.json").read_text())[name]
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), (*where["nose"], where["face_width"])


def _guess_centre(image: np.ndarray) -> tuple[float, float, float]:
    """Where a passport-style portrait has its nose: centred, a little above the middle."""
    h, w = image.shape[:2]
    return w / 2, h * 0.48, w * 0.45


def _turn_head(image: np.ndarray, centre: tuple[float, float, float], yaw: float) -> np.ndarray:
    """Shift the middle of the face sideways by `yaw` face widths, its edges less (see above)."""
    if abs(yaw) < 1e-6:
        return image
    cx, cy, fw = centre
    h, w = image.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    sigma_x, sigma_y = 0.22 * fw, 0.35 * fw
    weight = np.exp(-(((xs - cx) / sigma_x) ** 2 + ((ys - cy) / sigma_y) ** 2) / 2)
    map_x = xs - yaw * fw * weight
    return cv2.remap(image, map_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _tilt_photo(image: np.ndarray, tilt: float) -> np.ndarray:
    """The picture as a flat card rotated by `tilt` about its vertical axis (perspective)."""
    if abs(tilt) < 1e-6:
        return image
    h, w = image.shape[:2]
    squeeze = (1 - np.cos(tilt)) * w / 2
    near = np.sin(abs(tilt)) * h * 0.12
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    if tilt > 0:
        dst = np.float32([[squeeze, -near], [w - squeeze, near], [w - squeeze, h - near], [squeeze, h + near]])
    else:
        dst = np.float32([[squeeze, near], [w - squeeze, -near], [w - squeeze, h + near], [squeeze, h - near]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


class SimulatedFaceCamera:
    """A face `Camera` that renders a portrait in scripted poses; see the module docstring."""

    def __init__(self, portrait: tuple[np.ndarray, tuple[float, float, float]], width: int = 640,
                 height: int = 480, fps: float = 10.0) -> None:
        self.name = "simulated-face"
        self.width, self.height, self.fps = width, height, fps
        self._portraits: list[tuple[np.ndarray, tuple[float, float, float]]] = []
        self._lock = threading.Lock()
        self._pose = Pose(portrait=self._add(portrait))
        self._script: deque[Pose] = deque()
        self._seq = 0
        self._started = False
        self._unplugged = False
        self.fail_next: DeviceError | None = None
        self.served: list[Served] = []

    def _add(self, portrait: tuple[np.ndarray, tuple[float, float, float]]) -> int:
        """Scale the portrait so the face spans FACE_SHARE of the frame (a citizen at arm's length)."""
        image, (x, y, face_width) = portrait
        h, w = image.shape[:2]
        scale = FACE_SHARE * self.width / face_width
        fitted = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        self._portraits.append((fitted, (x * scale, y * scale, face_width * scale)))
        return len(self._portraits) - 1

    # --- scripting ------------------------------------------------------------------

    def look(self, yaw: float = 0.0) -> None:
        """From the next frame on, the citizen holds still with head turn `yaw`."""
        self.turn([yaw])

    def turn(self, yaws: list[float]) -> None:
        """One frame per yaw, then the last pose rests."""
        with self._lock:
            base = Pose(portrait=self._pose.portrait)
            self._script = deque(Pose(True, y, 0.0, base.portrait) for y in yaws)

    def hold_photo(self, tilts: list[float]) -> None:
        """A flat photograph of the portrait held up and rotated through `tilts`."""
        with self._lock:
            self._script = deque(Pose(True, 0.0, t, self._pose.portrait) for t in tilts)

    def leave(self) -> None:
        """From the next frame on, nobody stands before the camera."""
        with self._lock:
            self._script = deque([Pose(present=False, portrait=self._pose.portrait)])

    def show(self, portrait: tuple[np.ndarray, tuple[float, float, float]]) -> None:
        """Another person steps up, facing the camera."""
        with self._lock:
            self._script = deque([Pose(portrait=self._add(portrait))])

    def unplug(self) -> None:
        self._unplugged = True

    def replug(self) -> None:
        self._unplugged = False

    # --- Camera protocol ------------------------------------------------------------

    def start(self) -> None:
        self._started = True

    def stop(self) -> None:
        self._started = False

    def _render(self, pose: Pose) -> np.ndarray:
        ramp = np.linspace(70, 110, self.height, dtype=np.float32)[:, None, None]
        canvas = np.broadcast_to(ramp, (self.height, self.width, 3)).astype(np.uint8)
        if not pose.present:
            return canvas
        portrait, centre = self._portraits[pose.portrait]
        image = _tilt_photo(_turn_head(portrait, centre, pose.yaw), pose.photo_tilt)
        # the nose at the frame's centre, a little low: the portrait clipped to the frame
        left, top = round(self.width / 2 - centre[0]), round(self.height * 0.55 - centre[1])
        h, w = image.shape[:2]
        x0, y0 = max(0, left), max(0, top)
        x1, y1 = min(self.width, left + w), min(self.height, top + h)
        canvas[y0:y1, x0:x1] = image[y0 - top:y1 - top, x0 - left:x1 - left]
        return canvas

    def _check(self) -> None:
        if not self._started:
            raise CameraLost(f"{self.name}: not started")
        if self._unplugged:
            raise CameraLost(f"{self.name}: unplugged")

    def latest(self, timeout: float = 1.0) -> Frame:
        """The next scripted frame at once (rendering is the only wait)."""
        self._check()
        if self.fail_next is not None:
            err, self.fail_next = self.fail_next, None
            raise err
        with self._lock:
            if self._script:
                self._pose = self._script.popleft()
            pose = self._pose
            self._seq += 1
            seq = self._seq
        self.served.append(Served(seq, pose))
        return Frame(self._render(pose), seq, seq / self.fps)

    def probe(self) -> str:
        self._check()
        return f"{self.name} ok, {self.width}x{self.height}, {self._seq} frames"
