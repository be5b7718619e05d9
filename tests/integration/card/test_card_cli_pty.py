"""`card read` / `card watch` against the GA 467 backend on a pty SAM simulator."""

import argparse
import json
import threading

import pytest

from devices.card import samples
from devices.card.settings import CardSettings
from kiosk.commands import card as card_command
from tests.integration.card.ga467_sam import SamSimulator
from tests.support.station_config import station_config

pytestmark = pytest.mark.realstack


def run(argv):
    parser = argparse.ArgumentParser()
    card_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    settings = CardSettings(ga467={"timeout_s": 1.0, "poll_interval_s": 0.02})
    return args.func(args, lambda: station_config(card=settings))


def test_read_over_the_serial_line(capsys):
    with SamSimulator() as sam:
        sam.insert(samples.HMT_PERMIT)
        assert run(["card", "read", "--json", "--backend", "ga467", "--port", sam.port]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["kind"] == "hmt_residence_permit"
    assert shown["id_number"] == "8100**********0175"
    assert shown["photo_bytes"] == 1024


def test_silent_reader_fails_with_one_line(capsys):
    """Bad input: a reader that stops answering."""
    with SamSimulator() as sam:
        sam.silent = True
        assert run(["card", "read", "--backend", "ga467", "--port", sam.port]) == 1
    assert capsys.readouterr().err == "card: reader did not answer within 1 s\n"


def test_read_waits_for_a_card(capsys):
    with SamSimulator() as sam:
        threading.Timer(0.2, sam.insert, args=(samples.RESIDENT,)).start()
        assert run(["card", "read", "--backend", "ga467", "--port", sam.port, "--wait", "3"]) == 0
    assert "name: 张*" in capsys.readouterr().out


def test_watch_prints_insert_and_remove(capsys):
    with SamSimulator() as sam:
        threading.Timer(0.1, sam.insert, args=(samples.RESIDENT,)).start()
        threading.Timer(0.4, sam.remove).start()
        assert run(["card", "watch", "--backend", "ga467", "--port", sam.port, "--count", "2", "--seconds", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["inserted", "removed"]
