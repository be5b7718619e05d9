"""The MRZ read by the document camera, on synthetic OCR-B pages made by tests/support.

What these cannot prove: accuracy on real passports under a real camera (real laminates,
holograms, curved booklets). bench/mrz.py measures the held-out synthetic split; a local set
of real specimen documents is needed for a figure that counts.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from devices.card.apdu import ApduChannel
from devices.card.emrtd import read_emrtd
from devices.card.mrz import MrzFormat, bac_key_input, check_digit, parse_mrz
from devices.camera.mrz_read import MrzRead, MrzReader, MrzVote, find_bands, mrz_lines, parse_lines, read_agreed
from devices.errors import MrzUnreadable
from tests.integration.card_pcsc.virtual_emrtd import VirtualEmrtd
from tests.support.mrz_pages import TUNING, compose, make_page, random_holder


@pytest.fixture(scope="module")
def reader():
    r = MrzReader()
    yield r
    r.close()


def _read(seed: int) -> MrzRead:
    lines = compose(random_holder(random.Random(seed), MrzFormat.TD3))
    return MrzRead(lines, parse_mrz("\n".join(lines)))


def test_generated_mrzs_are_valid_in_every_format():
    rng = random.Random(5)
    for fmt in MrzFormat:
        for _ in range(20):
            lines = compose(random_holder(rng, fmt))
            assert parse_mrz("\n".join(lines)).format is fmt


@pytest.mark.parametrize("fmt", list(MrzFormat))
def test_reads_each_format_with_every_check_digit(reader, fmt):
    page = make_page(TUNING[3], fmt=fmt)
    read = reader.read(page.image)
    assert read is not None and read.lines == page.lines and read.mrz.format is fmt
    assert "<masked>" in repr(read)


def test_blank_frame_has_no_band_and_no_read(reader):
    """Bad input: the bare platen."""
    blank = np.full((960, 1280, 3), 40, np.uint8)
    assert find_bands(blank) == [] and reader.read(blank) is None
    with pytest.raises(MrzUnreadable):
        read_agreed(reader, [blank, blank])


def test_a_misprinted_check_digit_is_never_accepted(reader):
    """Bad input: a page whose birth-date check digit is wrong (forged or misprinted)."""

    def wrong_digit(lines):
        l2 = lines[1]
        bad = str((int(l2[19]) + 3) % 10)
        return (lines[0], l2[:19] + bad + l2[20:])

    page = make_page(TUNING[4], fmt=MrzFormat.TD3, edit=wrong_digit)
    assert reader.read(page.image) is None


def test_agreement_across_frames():
    a, b = _read(1), _read(9)
    vote = MrzVote(agree=2)
    assert vote.add(a) is None and vote.add(None) is None and vote.add(b) is None
    assert vote.add(a) == a  # the second identical read
    vote.clear()
    assert vote.add(a) is None  # forgotten


def test_ocr_line_fitting():
    td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    assert mrz_lines(td3[:-2] + "\n" + "L898902C36UTO7408122F1204159ZE184226B<<<<<10") == [
        (td3, False), ("L898902C36UTO7408122F1204159ZE184226B<<<<<10", True)]
    assert mrz_lines(td3 + "<<\nnoise") == [(td3, False)]  # one filler too many: trimmed; noise dropped


def test_o_and_zero_in_the_number_repaired_only_when_unambiguous():
    lines = list(compose(random_holder(random.Random(3), MrzFormat.TD3)))
    truth = parse_lines(lines)
    number = "AB0C0D12<"  # two zeros: read as letter O, the check digits fail
    lines[1] = number + check_digit(number) + lines[1][10:]
    lines[1] = lines[1][:43] + check_digit(lines[1][0:10] + lines[1][13:20] + lines[1][21:43])
    misread = [lines[0], lines[1][:2] + "O" + lines[1][3:]]
    assert truth is not None and parse_lines(lines) is not None
    repaired = parse_lines(misread)
    assert repaired is not None and repaired.lines == tuple(lines)
    assert parse_lines(misread, repair=False) is None  # a fitted line is never repaired


def test_camera_mrz_opens_the_chip(reader):
    """Camera MRZ -> BAC: the key read off the page opens the matching virtual chip over
    real secure messaging (no pcscd here; tests/integration/card_pcsc runs the chip behind it)."""
    page = make_page(TUNING[7], fmt=MrzFormat.TD3)
    read = read_agreed(reader, [page.image, page.image], agree=2)
    chip = VirtualEmrtd(key=read.key(), mrz="".join(page.lines))
    data = read_emrtd(ApduChannel(chip.process), bac_key_input(read.key()))
    assert data.mrz.document_number == page.holder.number
