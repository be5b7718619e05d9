"""The reference photo: the document's portrait as bytes -> a BGR array for the face engine.

Passports store it in DG2 as JPEG or JPEG 2000 (`devices.card.emrtd.parse_dg2` takes it out
of the biometric template); a resident ID card's photo arrives from the GA 467 reader as WLT,
which only the reader vendor's library decodes: the GA 467 backend takes that decoder as a
plug-in (`photo_decoder`) and hands on what it returns. Bytes still in WLT (no decoder
plugged in) cannot be a reference, and the refusal says so.
"""

from __future__ import annotations

import cv2
import numpy as np

from devices.errors import ReferencePhotoUnusable

#: Leading bytes of the encodings OpenCV decodes here (JPEG 2000 both as codestream and JP2).
SIGNATURES = {
    b"\xff\xd8\xff": "jpeg",
    b"\xff\x4f\xff\x51": "jpeg2000",
    b"\x00\x00\x00\x0cjP  ": "jpeg2000",
    b"\x89PNG": "png",
    b"BM": "bmp",
}
MAX_PHOTO_BYTES = 2_000_000


def photo_format(data: bytes) -> str | None:
    """The encoding `data` starts with, or None when it is none this module decodes."""
    return next((name for sig, name in SIGNATURES.items() if data.startswith(sig)), None)


def decode_photo(data: bytes) -> np.ndarray:
    """The photo as a BGR array; ReferencePhotoUnusable (with the reason) when it cannot be."""
    if not data:
        raise ReferencePhotoUnusable("the document gave no photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise ReferencePhotoUnusable("the document's photo is implausibly large")
    if photo_format(data) is None:
        raise ReferencePhotoUnusable("the document's photo is in an encoding the station cannot decode "
                                     "(a resident ID card's WLT needs the reader vendor's decoder)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ReferencePhotoUnusable("the document's photo is damaged")
    return image
