"""A scriptable, recording camera over the platen generator (`devices.camera.synth`).

Each `latest()` serves the next frame of the script, rendered from a `Scene`; when the
script runs out the last scene repeats (the document just lies there). Deterministic:
timestamps are `seq / fps`, pixels come from seeds. Scripting:

    cam.place(DocKind.A4)          # a page lies still on the platen
    cam.slide_in(DocKind.ID1, 12)  # 12 frames of the card sliding in, then it rests
    cam.remove()                   # bare mat again
    cam.fail_next = CameraLost()   # the next latest() raises it, once
    cam.unplug(); cam.replug()     # lost until replugged
    cam.served                     # every frame served, with its scene (the truth)
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from devices.camera.base import DocKind, Frame
from devices.camera.synth import Effects, Pose, Scene, random_pose, render
from devices.errors import CameraLost, DeviceError


@dataclass(frozen=True)
class Served:
    """One frame handed out, and the scene it was rendered from (the ground truth)."""

    seq: int
    scene: Scene


class SimulatedCamera:
    """A `Camera` that renders generated platen frames; see the module docstring."""

    def __init__(self, width: int = 960, height: int = 540, fps: float = 15.0, mat: str = "dark",
                 seed: int = 0, effects: Effects | None = None) -> None:
        self.name = "simulated"
        self.width, self.height, self.fps = width, height, fps
        self.seed = seed
        self._lock = threading.Lock()
        self._scene = Scene(width, height, mat, seed, None, 0, None, effects or Effects(), seed)
        self._script: deque[Scene] = deque()
        self._cache: dict[Scene, np.ndarray] = {}
        self._seq = 0
        self._started = False
        self._unplugged = False
        self.fail_next: DeviceError | None = None
        self.served: list[Served] = []
        self.still: np.ndarray | None = None  # a photographed page shown as is (show_image)

    # --- scripting ------------------------------------------------------------------

    def _resting_pose(self, kind: DocKind, seed: int) -> Pose:
        return random_pose(np.random.default_rng(seed), kind, self.width, self.height, whole=True)

    def place(self, kind: DocKind, pose: Pose | None = None, seed: int | None = None) -> Pose:
        """From the next frame on, a document of `kind` lies still (at `pose`, or a random one)."""
        s = self.seed + 1 if seed is None else seed
        pose = pose or self._resting_pose(kind, s)
        with self._lock:
            self._script.clear()
            self._scene = replace(self._scene, kind=kind, doc_seed=s, pose=pose)
        return pose

    def slide_in(self, kind: DocKind, frames: int = 12, pose: Pose | None = None, seed: int | None = None) -> Pose:
        """The document enters from the left edge over `frames` frames, then rests at `pose`."""
        s = self.seed + 1 if seed is None else seed
        end = pose or self._resting_pose(kind, s)
        start_x = -0.6 * end.long_px
        with self._lock:
            self._script.clear()
            for i in range(frames):
                t = (i + 1) / (frames + 1)
                p = replace(end, cx=start_x + (end.cx - start_x) * t, angle=end.angle + (1 - t) * 12)
                self._script.append(replace(self._scene, kind=kind, doc_seed=s, pose=p))
            self._script.append(replace(self._scene, kind=kind, doc_seed=s, pose=end))
        return end

    def show_image(self, image: np.ndarray | None) -> None:
        """From the next frame on, serve `image` (e.g. a passport page with a real MRZ); None ends it."""
        self.still = image

    def remove(self) -> None:
        """From the next frame on, the platen is empty."""
        self.still = None
        with self._lock:
            self._script.clear()
            self._scene = replace(self._scene, kind=None, pose=None)

    def set_effects(self, effects: Effects) -> None:
        """Optical nuisances (glare, blur, uneven light...) for the following frames."""
        with self._lock:
            self._scene = replace(self._scene, effects=effects)
            self._script = deque(replace(s, effects=effects) for s in self._script)

    def unplug(self) -> None:
        self._unplugged = True

    def replug(self) -> None:
        self._unplugged = False

    # --- Camera protocol ------------------------------------------------------------

    def start(self) -> None:
        self._started = True

    def stop(self) -> None:
        self._started = False

    def _render(self, scene: Scene) -> np.ndarray:
        img = self._cache.get(scene)
        if img is None:
            img = render(scene).image
            img.setflags(write=False)  # shared between frames of a still scene
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[scene] = img
        return img

    def latest(self, timeout: float = 1.0) -> Frame:
        """The next scripted frame at once (rendering is the only wait)."""
        if not self._started:
            raise CameraLost("simulated: not started")
        if self._unplugged:
            raise CameraLost("simulated: unplugged")
        if self.fail_next is not None:
            err, self.fail_next = self.fail_next, None
            raise err
        with self._lock:
            if self._script:
                self._scene = self._script.popleft()
            scene = self._scene
            self._seq += 1
            seq = self._seq
        still = self.still
        frame = Frame(self._render(scene) if still is None else still, seq, seq / self.fps)
        self.served.append(Served(seq, scene))
        return frame

    def probe(self) -> str:
        if not self._started:
            raise CameraLost("simulated: not started")
        if self._unplugged:
            raise CameraLost("simulated: unplugged")
        return f"simulated ok, {self.width}x{self.height}, {self._seq} frames"
