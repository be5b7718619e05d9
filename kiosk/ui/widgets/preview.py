"""The live camera preview: half-block cells from the camera helper's `preview_cells`.

Each cell is "▀" with the upper pixel as foreground and the lower as background, so a
`cols` x `rows` widget shows a `cols` x `2*rows` picture with the detected outline drawn in.
The pixel work happens on the capture worker's thread; this widget only paints.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

RGB = tuple[int, int, int]
Cells = list[list[tuple[RGB, RGB]]]


class CameraPreview(Widget):
    """Paints the newest cells; blank until the first frame."""

    DEFAULT_CSS = """
    CameraPreview { width: 1fr; height: 1fr; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cells: Cells = []

    def show(self, cells: Cells) -> None:
        self._cells = cells
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if y >= len(self._cells):
            return Strip.blank(self.size.width)
        row = self._cells[y]
        segments = [
            Segment("▀", Style.from_color(Color.from_rgb(*upper), Color.from_rgb(*lower)))
            for upper, lower in row[: self.size.width]
        ]
        return Strip(segments, len(segments))

