import argparse
import json

import pytest

from devices.card import samples
from devices.card.settings import CardSettings
from kiosk.commands import card as card_command
from tests.support.station_config import station_config


def run(argv, settings=None):
    parser = argparse.ArgumentParser()
    card_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, lambda: station_config(card=settings or CardSettings()))


def test_read_json_is_masked_by_default(capsys):
    assert run(["card", "read", "--json", "--sample", "resident"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "张*"
    assert shown["id_number"] == "4401**********1237"
    assert shown["birth_date"] == "1985-**-**"
    assert "address" not in shown
    assert shown["kind"] == "resident_id" and shown["valid_to"] == "2040-05-01"


def test_read_unmasked(capsys):
    assert run(["card", "read", "--json", "--unmasked", "--sample", "resident-long-term"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == samples.RESIDENT_LONG_TERM.name
    assert shown["id_number"] == samples.RESIDENT_LONG_TERM.id_number
    assert shown["birth_date"] == "1950-07-08"
    assert shown["address"] == samples.RESIDENT_LONG_TERM.address
    assert shown["valid_to"] == "long-term"


def test_read_plain_text(capsys):
    assert run(["card", "read", "--sample", "foreigner-2023"]) == 0
    out = capsys.readouterr().out
    assert "latin_name: M******, M**** A***" in out and "nationality: DEU" in out


def test_passport_needs_mrz(capsys):
    """Bad input: a passport read without, then with the MRZ key."""
    assert run(["card", "read", "--json", "--sample", "passport"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MRZ" in err and "Traceback" not in err
    assert run(["card", "read", "--json", "--sample", "passport", "--mrz", "e12345678,791105,310630"]) == 0
    assert json.loads(capsys.readouterr().out)["id_number"] == "E123*5678"


def test_empty_reader_fails_with_one_line(capsys):
    """Bad input: no card on the reader (and a short wait for one)."""
    assert run(["card", "read", "--json", "--wait", "0.2"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "card: no card on the reader\n"


@pytest.mark.parametrize("bad", ["E1,791105", "E1,7911,310630", ",791105,310630", "E1,79110X,310630"])
def test_bad_mrz_is_a_usage_error(bad, capsys):
    """Bad input: malformed --mrz values."""
    with pytest.raises(SystemExit) as info:
        run(["card", "read", "--mrz", bad])
    assert info.value.code == 2
    assert "DOCNO,YYMMDD,YYMMDD" in capsys.readouterr().err


def test_missing_serial_port_fails_with_one_line(capsys):
    """Bad input: --backend ga467 with a port that does not exist."""
    assert run(["card", "read", "--backend", "ga467", "--port", "/dev/nonexistent-ga467"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("card: cannot open /dev/nonexistent-ga467") and err.count("\n") == 1


def test_watch_counts_events(capsys):
    assert run(["card", "watch", "--json", "--sample", "badge", "--count", "1", "--seconds", "5"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["event"] == "inserted"


def test_watch_stops_after_seconds(capsys):
    assert run(["card", "watch", "--seconds", "0.2"]) == 0
    assert capsys.readouterr().out == ""
