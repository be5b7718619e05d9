"""OpenCV `VideoCapture` backend: a device index, a video or image file, or a stream URL.

One grabber thread reads frames into a single-slot buffer (the latest frame wins: a slow
consumer sees fresh frames, never a backlog). Readers wait on a condition with a timeout,
so `latest()` never blocks longer than asked even when the driver hangs inside `read()`.
When reads fail, a file disappears or a stream ends, the camera is marked lost
(`CameraLost` to readers) and the grabber reopens the source with exponential backoff;
the first good frame clears the loss.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from devices.camera.base import Frame
from devices.errors import CameraLost

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
MIN_BACKOFF_S = 0.05


def describe_source(source: int | str) -> str:
    """A loggable name for the source: stream credentials (user:password@) are masked."""
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
        return f"opencv:{int(source)}"
    return "opencv:" + re.sub(r"//[^/@\s]+@", "//***@", str(source))


class _StillReader:
    """An image file served as an endless stream; notices when the file goes away."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.image = cv2.imread(path, cv2.IMREAD_COLOR)

    def isOpened(self) -> bool:  # noqa: N802 - VideoCapture's spelling
        return self.image is not None

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not os.path.exists(self.path):
            return False, None
        return True, self.image

    def release(self) -> None:
        self.image = None


class OpenCVCamera:
    """A `Camera` over `cv2.VideoCapture` (see the module docstring for the threading)."""

    def __init__(self, source: int | str, *, width: int | None = None, height: int | None = None,
                 fps: float = 15.0, loop: bool = False, frame_timeout: float = 2.0,
                 max_backoff: float = 5.0) -> None:
        self.source: int | str = int(source) if isinstance(source, str) and source.isdigit() else source
        self.name = describe_source(self.source)
        self.width, self.height, self.fps, self.loop = width, height, fps, loop
        self.frame_timeout = frame_timeout
        self.max_backoff = max_backoff
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._taken = -1
        self._seq = 0
        self._lost: str | None = None
        self._last_frame_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reopens = 0  # successful opens after the first: technicians' diagnostics

    # --- source kinds ---------------------------------------------------------------

    @property
    def _is_file(self) -> bool:
        # not a URL and not a GStreamer pipeline ("v4l2src ! videoconvert ! appsink")
        return isinstance(self.source, str) and "://" not in self.source and "!" not in self.source

    @property
    def _is_still(self) -> bool:
        return self._is_file and Path(str(self.source)).suffix.lower() in IMAGE_SUFFIXES

    def _open(self):
        if self._is_still:
            return _StillReader(str(self.source))
        if self._is_file and not os.path.exists(str(self.source)):
            return None  # VideoCapture would log a noisy warning; the answer is the same
        cap = cv2.VideoCapture(self.source)
        if cap.isOpened() and isinstance(self.source, int):
            if self.width:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            if self.height:
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            cap.set(cv2.CAP_PROP_FPS, self.fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return cap

    # --- grabber thread -------------------------------------------------------------

    def _mark_lost(self, reason: str) -> None:
        with self._cond:
            if self._lost is None:
                log.warning("%s lost: %s", self.name, reason)
            self._lost = reason
            self._cond.notify_all()

    def _publish(self, image: np.ndarray) -> None:
        with self._cond:
            self._seq += 1
            self._frame = Frame(image, self._seq, time.monotonic())
            self._last_frame_at = self._frame.timestamp
            if self._lost is not None:
                log.info("%s recovered", self.name)
            self._lost = None
            self._cond.notify_all()

    def _run(self) -> None:
        backoff = MIN_BACKOFF_S
        opened_before = False
        paced = self._is_file
        while not self._stop.is_set():
            cap = self._open()
            if cap is None or not cap.isOpened():
                self._mark_lost("cannot open the source")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if opened_before:
                self.reopens += 1
            opened_before = True
            got = 0
            next_at = time.monotonic()
            try:
                while not self._stop.is_set():
                    ok, img = cap.read()
                    if not ok or img is None:
                        break
                    got += 1
                    backoff = MIN_BACKOFF_S
                    self._publish(img)
                    if paced:  # files would otherwise be read as fast as they decode
                        next_at += 1.0 / self.fps
                        self._stop.wait(max(0.0, next_at - time.monotonic()))
            finally:
                cap.release()
            if self._stop.is_set():
                break
            if self._is_file and not self._is_still and got > 0:
                if not self.loop:
                    self._mark_lost("the stream ended")
                    return
                continue  # end of a looping file: reopen at once
            self._mark_lost("reading a frame failed")
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    # --- Camera protocol ------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._lost = None
        self._last_frame_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        t = self._thread
        if t is not None:
            t.join(timeout=2.0)  # a driver stuck in read() is abandoned (daemon thread)
        self._thread = None
        with self._cond:
            self._cond.notify_all()

    def latest(self, timeout: float = 1.0) -> Frame:
        """The newest frame not yet returned; at most `timeout` s of waiting, else CameraLost."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while True:
                if self._thread is None:
                    raise CameraLost(f"{self.name}: not started")
                f = self._frame
                if f is not None and f.seq > self._taken:
                    self._taken = f.seq
                    return f
                if self._lost is not None:
                    raise CameraLost(f"{self.name}: {self._lost}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CameraLost(f"{self.name}: no frame within {timeout:.1f} s")
                self._cond.wait(left)

    def probe(self) -> str:
        with self._cond:
            if self._thread is None:
                raise CameraLost(f"{self.name}: not started")
            if self._lost is not None:
                raise CameraLost(f"{self.name}: {self._lost}")
            age = time.monotonic() - self._last_frame_at
            if age > self.frame_timeout:
                raise CameraLost(f"{self.name}: no frame for {age:.1f} s")
            shape = "no frame yet" if self._frame is None else "x".join(map(str, self._frame.image.shape[1::-1]))
            return f"{self.name} ok, {shape}, {self._seq} frames, {self.reopens} reopens"
