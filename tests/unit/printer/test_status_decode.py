import pytest

from devices.printer import status as rt
from devices.printer.base import PaperState, PrinterState

OK = 0x12


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state", "paper_state"),
    [
        (OK, OK, OK, PrinterState.OK, PaperState.OK),
        (OK, OK, OK | 0x0C, PrinterState.PAPER_LOW, PaperState.LOW),
        (OK | 0x08, OK | 0x20, OK | 0x6C, PrinterState.PAPER_OUT, PaperState.OUT),
        (OK | 0x08, OK, OK | 0x60, PrinterState.PAPER_OUT, PaperState.OUT),  # sensor only
        (OK | 0x08, OK | 0x04, OK, PrinterState.COVER_OPEN, PaperState.OK),
        (OK | 0x08, OK | 0x04, OK | 0x60, PrinterState.COVER_OPEN, PaperState.OUT),  # cover wins
        (OK | 0x08, OK | 0x40, OK, PrinterState.ERROR, PaperState.OK),
        (OK | 0x08, OK, OK, PrinterState.ERROR, PaperState.OK),  # off-line, no cause given
        (OK | 0x08, OK | 0x08, OK, PrinterState.OK, PaperState.OK),  # FEED button held: transient
    ],
)
def test_decode_follows_the_escpos_bit_definitions(printer, cause, paper, state, paper_state):
    decoded = rt.decode(printer, cause, paper)
    assert (decoded.state, decoded.paper) == (state, paper_state)


@pytest.mark.parametrize("garbage", [0x00, 0xFF, 0x13, 0x92])
def test_bytes_that_are_not_status_bytes_are_an_error_not_a_guess(garbage):
    """Bad input: an answer whose fixed bits (1 and 4 set, 0 and 7 clear) are wrong."""
    decoded = rt.decode(OK, garbage, OK)
    assert decoded.state is PrinterState.ERROR
    assert f"0x{garbage:02x}" in decoded.detail


@pytest.mark.parametrize("state", [s for s in PrinterState if s is not PrinterState.OFFLINE])
def test_encode_is_what_decode_reads(state):
    assert rt.decode(*rt.encode(state)).state is state


def test_query_bytes():
    assert [rt.query(n) for n in (1, 2, 4)] == [b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"]
