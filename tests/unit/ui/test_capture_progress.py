from devices.camera.base import CapturedPage, DocKind
from kiosk.ui.screens.capture import CaptureScreen


def test_a_new_frame_replaces_an_unpainted_one_but_never_a_capture():
    """Bad input: frames arriving faster than the screen paints them."""
    older = CaptureScreen.Progress([], "capture.searching", None)
    newer = CaptureScreen.Progress([], "capture.moving", None)
    captured = CaptureScreen.Progress([], "capture.captured", None, CapturedPage(DocKind.ID1, b"\xff\xd8", 2, 1))
    assert newer.can_replace(older)
    assert not newer.can_replace(captured)


def test_fitted_cells_keep_the_picture_undistorted():
    """Bad input: a wide camera frame in a tall preview area (and the reverse)."""
    import numpy as np

    from kiosk.ui.screens.capture import fitted_cells

    white = np.full((90, 160, 3), 255, np.uint8)  # 16:9
    cells = fitted_cells(white, None, 20, 20)  # a 20 x 40 px grid: bars above and below
    assert len(cells) == 20 and len(cells[0]) == 20
    column = [upper for upper, _ in (row[10] for row in cells)]
    assert column[0] == (0, 0, 0) and column[10] == (255, 255, 255) and column[-1] == (0, 0, 0)
    tall = np.full((300, 100, 3), 255, np.uint8)
    row = fitted_cells(tall, None, 40, 10)[5]  # a 40 x 20 px grid: bars left and right
    assert row[0][0] == (0, 0, 0) and row[20][0] == (255, 255, 255) and row[-1][0] == (0, 0, 0)
    assert fitted_cells(white, None, 0, 5) == []
