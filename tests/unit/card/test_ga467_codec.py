import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.card import ga467_codec as codec
from devices.card.ga467_codec import Answer, Command, FrameDecoder
from devices.errors import CardRejected, CardRemoved, DeviceUnavailable, NoCard, ProtocolError

# Frames as captured from GA 467 readers (published in vendors' SDK samples).
FIND = "AAAAAA96690003200122"
SELECT = "AAAAAA96690003200221"
READ = "AAAAAA96690003300132"
SAM_ID = "AAAAAA9669000312FFEE"
FOUND = "AAAAAA9669000800009F0000000097"
SELECTED = "AAAAAA9669000C00009000000000000000009C"
NO_CARD = "AAAAAA9669000400008084"
READ_FAILED = "AAAAAA9669000400004145"
SAM_OK = "AAAAAA9669000400009094"


@pytest.mark.parametrize(
    ("command", "frame"),
    [(Command.FIND_CARD, FIND), (Command.SELECT_CARD, SELECT), (Command.READ_BASE, READ), (Command.SAM_ID, SAM_ID)],
)
def test_commands_match_captured_frames(command, frame):
    assert codec.encode_command(command) == bytes.fromhex(frame)


@pytest.mark.parametrize(
    ("frame", "status", "data_len"),
    [(FOUND, 0x9F, 4), (SELECTED, 0x90, 8), (NO_CARD, 0x80, 0), (READ_FAILED, 0x41, 0), (SAM_OK, 0x90, 0)],
)
def test_captured_answers_decode(frame, status, data_len):
    (body,) = FrameDecoder().feed(bytes.fromhex(frame))
    answer = codec.parse_answer(body)
    assert answer.status == status
    assert len(answer.data) == data_len
    assert codec.encode_answer(status, answer.data) == bytes.fromhex(frame)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (0x80, NoCard),
        (0x41, CardRemoved),
        (0x81, CardRemoved),
        (0x32, CardRejected),
        (0x60, DeviceUnavailable),
        (0x10, ProtocolError),
        (0x77, ProtocolError),  # not in the table
    ],
)
def test_status_codes_map_to_documented_errors(status, error):
    """Bad input: every failure status, including one no table lists."""
    with pytest.raises(error, match=f"0x{status:02X}"):
        Answer(status, b"").raise_for_status()


def test_success_statuses_do_not_raise():
    Answer(0x90, b"").raise_for_status()
    Answer(0x9F, b"").raise_for_status()


def test_answer_repr_hides_its_data():
    assert "secret" not in repr(Answer(0x90, "secret".encode()))


def test_noise_and_a_fake_preamble_are_skipped():
    """Bad input: noise bytes and a preamble followed by an impossible length."""
    decoder = FrameDecoder()
    noise = b"\x00\x13\xaa\xaa" + codec.PREAMBLE + b"\xff\xff" + b"\x96"
    assert decoder.feed(noise + bytes.fromhex(FOUND)) == [bytes.fromhex(FOUND)[7:-1]]
    assert decoder.skipped > 0


def test_frame_split_across_reads_is_reassembled():
    """Bad input: an answer delivered one byte at a time (preamble split too)."""
    decoder = FrameDecoder()
    frame = bytes.fromhex(SELECTED)
    out = []
    for i in range(len(frame)):
        out += decoder.feed(frame[i : i + 1])
    assert out == [frame[7:-1]]


def test_bad_checksum_is_counted_and_the_next_frame_still_decodes():
    """Bad input: a frame whose checksum byte is wrong, followed by a good one."""
    decoder = FrameDecoder()
    bad = bytearray(bytes.fromhex(FOUND))
    bad[-1] ^= 0xFF
    assert decoder.feed(bytes(bad) + bytes.fromhex(NO_CARD)) == [bytes.fromhex(NO_CARD)[7:-1]]
    assert decoder.corrupt == 1


def test_truncated_frame_then_a_good_one():
    """Bad input: half a frame (the reader gave up), then a complete answer."""
    decoder = FrameDecoder()
    frame = bytes.fromhex(SELECTED)
    assert decoder.feed(frame[:9]) == []
    assert decoder.pending == 9
    assert decoder.feed(bytes.fromhex(NO_CARD)) == [bytes.fromhex(NO_CARD)[7:-1]]


def test_short_answer_body_is_a_protocol_error():
    """Bad input: a frame whose body is too short to hold a status."""
    (body,) = FrameDecoder().feed(codec.encode(b"\x00\x00"))
    with pytest.raises(ProtocolError):
        codec.parse_answer(body)


def test_oversized_body_cannot_be_encoded():
    with pytest.raises(ValueError):
        codec.encode(bytes(codec.MAX_LEN))


bodies = st.binary(min_size=3, max_size=300)
noise = st.binary(max_size=40).filter(lambda b: codec.PREAMBLE[:2] not in b)


@given(st.lists(st.tuples(noise, bodies), max_size=6), st.integers(1, 64))
def test_fuzz_frames_between_noise_survive_any_chunking(items, chunk):
    """Bad input: random noise between frames, delivered in random-size chunks."""
    stream = b"".join(n + codec.encode(b) for n, b in items)
    decoder = FrameDecoder()
    out = []
    for i in range(0, len(stream), chunk):
        out += decoder.feed(stream[i : i + chunk])
    assert out == [b for _, b in items]


fragments = st.one_of(
    st.binary(max_size=20),
    st.just(codec.PREAMBLE),
    st.binary(max_size=4).map(lambda b: codec.PREAMBLE + b),  # preamble + random length
    st.builds(codec.encode, bodies),
    st.builds(codec.encode, bodies).map(lambda f: f[: len(f) // 2]),  # truncated frame
)


@given(st.lists(fragments, max_size=20).map(b"".join), st.integers(1, 97))
def test_fuzz_arbitrary_bytes_never_raise(data, chunk):
    """Bad input: noise, bare and fake preambles, truncated frames, all mixed up;
    only well-formed frames may come out and only documented errors from their status."""
    decoder = FrameDecoder()
    for i in range(0, len(data), chunk):
        for body in decoder.feed(data[i : i + chunk]):
            assert codec.encode(body) in data
            try:
                codec.parse_answer(body).raise_for_status()
            except (ProtocolError, NoCard, CardRemoved, CardRejected, DeviceUnavailable):
                pass


@given(st.binary(max_size=1400))
def test_fuzz_base_information_split_and_parse(data):
    """Bad input: arbitrary bytes as the payload of a 30 01 answer."""
    from devices.card.ga467 import split_base_information
    from devices.card.ga467_text import parse_base_text

    try:
        text, photo = split_base_information(data)
        parse_base_text(text, photo)
    except (ProtocolError, CardRejected):
        pass
