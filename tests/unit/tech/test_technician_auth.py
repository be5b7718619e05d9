"""argon2 PIN and badge hashing, the `[technician]` settings, and `tech hash-pin`/`hash-badge`."""

from __future__ import annotations

import argparse
import io

import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError

from kiosk.commands import tech
from kiosk.health.settings import SupervisorSettings
from kiosk.technician.settings import TechnicianSettings
from kiosk.technician.credentials import (
    CredentialFormatError,
    Credentials,
    hash_badge_uid,
    hash_pin,
    normalize_uid,
    verify_pin,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_hash_and_verify_pin():
    encoded = hash_pin("246810", CHEAP)
    assert encoded.startswith("$argon2id$") and "246810" not in encoded
    assert verify_pin(encoded, "246810")
    assert not verify_pin(encoded, "246811")


@pytest.mark.parametrize("bad", ["12345", "12345a", "", "1" * 17, "２４６８１０"])
def test_pin_format_is_enforced(bad):
    """Bad input: too short, letters, empty, too long, full-width digits."""
    with pytest.raises(CredentialFormatError):
        hash_pin(bad, CHEAP)


def test_verify_never_raises_on_a_broken_hash():
    """Bad input: a config value that is not an argon2 hash at all, or empty."""
    assert not verify_pin("$argon2id$garbage", "246810")
    assert not verify_pin("", "246810")


def test_badge_uids_are_normalised_before_hashing():
    assert normalize_uid("04:a2 2b-9c") == "04A22B9C"
    creds = Credentials("", [hash_badge_uid("11223344", CHEAP), hash_badge_uid("04A22B9C", CHEAP)])
    assert creds.check_badge("04:a2:2b:9c") == "badge#2"
    assert creds.check_badge("04A22B9D") is None
    assert creds.check_badge("not hex") is None
    assert creds.check_pin("246810") is None  # no PIN configured: no PIN login


def test_settings_refuse_a_plain_pin():
    """Bad input: someone pastes the PIN itself into pin_hash."""
    with pytest.raises(ValidationError, match="argon2"):
        TechnicianSettings(pin_hash="246810")
    assert TechnicianSettings().lockout_minutes == 5 and TechnicianSettings().idle_minutes == 10


def test_metrics_endpoint_is_loopback_only():
    """Bad input: binding the metrics endpoint to all interfaces."""
    with pytest.raises(ValidationError, match="loopback"):
        SupervisorSettings(metrics_bind="0.0.0.0")
    assert SupervisorSettings(metrics_bind="::1").metrics_bind == "::1"


def _run(argv, monkeypatch, stdin_text):
    parser = argparse.ArgumentParser()
    tech.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin_text))
    return args.func(args, lambda: pytest.fail("tech commands need no config"))


def test_hash_pin_from_stdin(monkeypatch, capsys):
    assert _run(["tech", "hash-pin"], monkeypatch, "246810\n") == 0
    out = capsys.readouterr().out.strip()
    assert verify_pin(out, "246810") and "246810" not in out


def test_hash_pin_from_a_tty_asks_twice(monkeypatch, capsys):
    """Bad input: the two PINs typed at the terminal differ."""
    answers = iter(["246810", "246811"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    stdin = io.StringIO("")
    stdin.isatty = lambda: True
    parser = argparse.ArgumentParser()
    tech.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["tech", "hash-pin"])
    monkeypatch.setattr("sys.stdin", stdin)
    assert args.func(args, None) == 2
    err = capsys.readouterr()
    assert "differ" in err.err and err.out == ""


def test_hash_pin_refuses_a_short_pin(monkeypatch, capsys):
    """Bad input: a 4-digit PIN piped in."""
    assert _run(["tech", "hash-pin"], monkeypatch, "1234\n") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "6 to 16 digits" in captured.err and "Traceback" not in captured.err


def test_hash_badge(monkeypatch, capsys):
    assert _run(["tech", "hash-badge", "04:A2:2B:9C"], monkeypatch, "") == 0
    encoded = capsys.readouterr().out.strip()
    assert Credentials("", [encoded]).check_badge("04a22b9c") == "badge#1"
    assert _run(["tech", "hash-badge"], monkeypatch, "zz\n") == 2


def test_hash_badge_from_the_configured_reader(monkeypatch, capsys):
    """The simulated reader with the sample badge on it (config `card.simulated.sample`)."""
    from devices.card.samples import TECHNICIAN_BADGE
    from devices.card.settings import CardSettings
    from tests.support.station_config import station_config

    config = station_config(card=CardSettings(backend="simulated", simulated={"sample": "badge"}))
    parser = argparse.ArgumentParser()
    tech.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["tech", "hash-badge", "--from-reader", "--wait", "1"])
    assert args.func(args, lambda: config) == 0
    out, err = capsys.readouterr()
    assert Credentials("", [out.strip()]).check_badge(TECHNICIAN_BADGE.uid) == "badge#1"
    assert TECHNICIAN_BADGE.uid not in out + err


def test_hash_badge_from_an_empty_reader_times_out(capsys):
    """Bad input: nobody taps a badge within the wait; a citizen card is not a badge either."""
    from devices.card.settings import CardSettings
    from tests.support.station_config import station_config

    parser = argparse.ArgumentParser()
    tech.register(parser.add_subparsers(dest="command", required=True))
    for sample, message in (("", "no badge on the reader within 0.3 s"), ("resident", "not a technician badge")):
        config = station_config(card=CardSettings(backend="simulated", simulated={"sample": sample}))
        args = parser.parse_args(["tech", "hash-badge", "--from-reader", "--wait", "0.3"])
        assert args.func(args, lambda: config) == 2
        captured = capsys.readouterr()
        assert message in captured.err and captured.out == "" and "Traceback" not in captured.err


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("pin_hash", hash_pin("246810", CHEAP), "weaker than argon2id"),  # finding 10: m=1024,t=1 was accepted
        ("pin_hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "weaker than argon2id"),
        ("pin_hash", "$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "weaker than argon2id"),
        ("pin_hash", "$argon2id$garbage", "not a readable argon2 hash"),
        ("badge_uid_hashes", [hash_badge_uid("04A22B9C", CHEAP)], "weaker than argon2id"),
        ("lockout_minutes", 1e-9, "greater than or equal to 1"),  # finding 10
        ("lockout_minutes", float("inf"), "less than or equal to 1440"),
        ("idle_minutes", float("nan"), "idle_minutes"),
        ("export_dir", "/etc/shadow", "inside /etc"),  # finding 10: passed doctor silently
        ("export_dir", "/", "inside /"),
        ("export_dir", "/media/../etc", "without '..'"),
        ("export_dir", "usb", "absolute path"),
    ],
)
def test_technician_settings_refuse_weak_or_unbounded_values(field, value, says):
    with pytest.raises(ValidationError) as caught:
        TechnicianSettings(**{field: value})
    assert says in str(caught.value)


def test_the_default_hasher_makes_hashes_the_settings_accept():
    assert TechnicianSettings(pin_hash=hash_pin("246810"), badge_uid_hashes=[hash_badge_uid("04A22B9C")])
