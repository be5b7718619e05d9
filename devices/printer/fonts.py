"""The CJK font raster jobs are drawn with: where it is found and how it is measured."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PIL import ImageFont

from devices.errors import FontNotFound

#: Where the CJK font is looked for, in order ($KIOSK_CJK_FONT first). Debian/Ubuntu's
#: fonts-noto-cjk is what the project installs; the others cover other distributions.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_ENV = "KIOSK_CJK_FONT"


def find_cjk_font() -> Path:
    """The first CJK font that exists; FontNotFound names what to install."""
    candidates = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else []
    candidates += FONT_CANDIDATES
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontNotFound(
        "no CJK font for receipts: install the Debian package fonts-noto-cjk "
        f"or set ${FONT_ENV} (looked at {', '.join(candidates)})"
    )


@functools.lru_cache(maxsize=64)
def font(path: Path, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    """The face at `size` px: the bold file next to Noto's regular one, the SC face of a collection."""
    if bold and path.name == "NotoSansCJK-Regular.ttc" and (path.parent / "NotoSansCJK-Bold.ttc").is_file():
        path = path.parent / "NotoSansCJK-Bold.ttc"
    if path.suffix.lower() == ".ttc":
        for index in range(8):  # pick the Simplified Chinese face of a collection
            try:
                face = ImageFont.truetype(str(path), size, index=index)
            except OSError:
                break
            if face.getname()[0].endswith(" SC"):
                return face
    return ImageFont.truetype(str(path), size)


@functools.lru_cache(maxsize=4096)
def _char_advance(face: ImageFont.FreeTypeFont, char: str) -> float:
    return face.getlength(char)


def advance(face: ImageFont.FreeTypeFont, text: str) -> float:
    """Width of `text` as the sum of its characters' advances (no kerning: CJK fonts
    barely kern, and it turns wrapping from quadratic into linear)."""
    return sum(_char_advance(face, char) for char in text)
