from devices.camera.base import CapturedPage, DocKind
from kiosk.ui.screens.capture import CaptureScreen


def test_a_new_frame_replaces_an_unpainted_one_but_never_a_capture():
    """Bad input: frames arriving faster than the screen paints them."""
    older = CaptureScreen.Progress([], "capture.searching", None)
    newer = CaptureScreen.Progress([], "capture.moving", None)
    captured = CaptureScreen.Progress([], "capture.captured", None, CapturedPage(DocKind.ID1, b"\xff\xd8", 2, 1))
    assert newer.can_replace(older)
    assert not newer.can_replace(captured)
