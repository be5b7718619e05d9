"""Every subcommand, enumerated from the real argparse tree, against hostile arguments.

For each command a baseline argv (the table below: a new command without a row fails
`test_the_table_covers_every_command`), then each option and positional replaced in turn by a
hostile value: huge and negative numbers, NaN, infinity, an empty string, unicode where ASCII
is expected, a path that is not UTF-8, a missing file, a directory. Each case runs
`kiosk.cli.main` in-process (subprocesses only for a closed stdout) and must end with no
exception, no use of the guard's last resort (exit 70: every finding is fixed at its cause),
at most one line on stderr (argparse's usage lines excepted), and exit 2 for a number out of
range. Commands that would start something long-running (run, demo, sync without --once, the
hub serving, card watch) get only their argument-parsing cases.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import EXIT_CLOSED_PIPE, EXIT_SOFTWARE, build_parser, command_parsers, main

ROOT = Path(__file__).resolve().parents[3]
# An exception in a device thread (a camera's grabber) counts as much as one in the command.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
UUID = "00000000-0000-0000-0000-000000000000"

#: Minimal argv of every command; {tmp} is the test's directory (cwd too).
BASELINE: dict[str, list[str]] = {
    "run": [],
    "demo": [],
    "doctor": [],
    "sync": ["--once"],
    "queue status": [],
    "queue send-test": ["--count", "1", "--attach-bytes", "10"],
    "queue retry": [UUID],
    "queue export": ["{tmp}/usb"],
    "card read": ["--backend", "simulated", "--sample", "resident", "--wait", "0"],
    "card watch": ["--count", "1", "--seconds", "1"],
    "doc detect": ["{tmp}/missing.jpg"],
    "doc capture": ["--out", "{tmp}/pages", "--timeout", "0.2"],
    "doc mrz": ["{tmp}/missing.jpg"],
    "face compare": ["{tmp}/missing.jpg", "{tmp}/missing.jpg"],
    "face check": ["--timeout", "0.2"],
    "face calibrate": ["{tmp}"],
    "printer status": [],
    "printer test": [],
    "receipt render": ["--sample", "--png", "{tmp}/r.png"],
    "catalog keygen": [],
    "catalog validate": ["{tmp}/catalog.json"],
    "catalog sign": ["{tmp}/catalog.json", "--key", "{tmp}/key.json", "--out", "{tmp}/bundle.json"],
    "catalog publish": ["{tmp}/bundle.json", "--url", "http://127.0.0.1:9", "--token", "t"],
    "hub": ["--data", "{tmp}/hub"],
    "tech hash-pin": [],
    "tech hash-badge": ["04A22B9C"],
    "audit verify": [],
    "audit list": [],
    "voice test": ["--lang", "en"],
}

#: Only argument parsing: these would run until stopped (or open a hub, a UI, a reader loop).
PARSE_ONLY = {"run", "demo", "sync", "hub", "card watch"}

HOSTILE = {
    "huge": "99999999999999999999",
    "negative": "-1",
    "nan": "nan",
    "inf": "inf",
    "empty": "",
    "unicode": "令牌",
    "not-utf8": os.fsdecode(b"\xff\xfe.jpg"),
    "missing": "{tmp}/no/such/file",
    "directory": "{tmp}",
}


def _value_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.nargs != 0 and a.dest not in ("help", "config", "command_words")]


def _replace(argv: list[str], action: argparse.Action, positional_index: int, value: str) -> list[str]:
    """`argv` with `action` set to `value` (an option added or replaced; a positional swapped)."""
    if action.option_strings:
        flag = action.option_strings[-1]
        if flag in argv:
            out = list(argv)
            out[out.index(flag) + 1] = value
            return out
        return [*argv, flag, value]
    positionals = [i for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or not argv[i - 1].startswith("--"))]
    out = list(argv)
    if positional_index < len(positionals):
        out[positionals[positional_index]] = value
    else:
        out.insert(0, value)
    return out


def _cases() -> list:
    cases = []
    for words, parser in command_parsers(build_parser()).items():
        baseline = BASELINE.get(words, [])
        cases.append(pytest.param(words, ["--config", "{tmp}/no-such-config.toml", *words.split(), *baseline], False, id=f"{words} --config=missing"))
        cases.append(pytest.param(words, ["--config", "{tmp}", *words.split(), *baseline], False, id=f"{words} --config=directory"))
        cases.append(pytest.param(words, [*words.split(), *baseline, "--no-such-option"], True, id=f"{words} --no-such-option"))
        positional = 0
        for action in _value_actions(parser):
            numeric = getattr(action.type, "__qualname__", "").split(".")[0] in ("whole", "seconds", "_port", "submission_id")
            for name, value in HOSTILE.items():
                argv = [*words.split(), *_replace(baseline, action, positional, value)]
                must_fail = numeric and name in ("huge", "negative", "nan", "inf", "empty", "unicode")
                label = action.option_strings[-1] if action.option_strings else action.dest
                cases.append(pytest.param(words, argv, must_fail, id=f"{words} {label}={name}"))
            positional += not action.option_strings
    return cases


@pytest.fixture(scope="module")
def catalog_files(tmp_path_factory) -> Path:
    """A catalog, a signing key and a signed bundle, made once by the commands themselves."""
    folder = tmp_path_factory.mktemp("catalog")
    (folder / "catalog.json").write_text((ROOT / "kiosk" / "demo" / "catalog.json").read_text(encoding="utf-8"), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["catalog", "keygen", "--out", str(folder / "key.json")]) == 0
        assert main(["catalog", "sign", str(folder / "catalog.json"), "--key", str(folder / "key.json"), "--out", str(folder / "bundle.json")]) == 0
    return folder


@pytest.fixture
def workdir(tmp_path, station, monkeypatch, catalog_files):
    """The provisioned station, the catalog commands' files, and the cwd for any output."""
    station.provision()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KIOSK_CONFIG", str(station.config))
    monkeypatch.delenv("KIOSK_ADMIN_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("13572468\n"))
    (tmp_path / "usb").mkdir()
    for name in ("catalog.json", "key.json", "bundle.json"):
        (tmp_path / name).write_bytes((catalog_files / name).read_bytes())
    return tmp_path


def test_the_table_covers_every_command():
    assert set(command_parsers(build_parser())) == set(BASELINE)


@pytest.mark.parametrize(("words", "argv", "must_fail"), _cases())
def test_hostile_argument(workdir, capfd, words, argv, must_fail):
    argv = [a.replace("{tmp}", str(workdir)) for a in argv]
    capfd.readouterr()
    if words in PARSE_ONLY:
        with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            build_parser().parse_args(argv)
            assert not must_fail, f"{argv} parsed"
            return
        assert "Traceback" not in err.getvalue()
        return
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capfd.readouterr()
    lines = err.splitlines()
    assert "Traceback" not in err
    assert code != EXIT_SOFTWARE, err
    if code == 2 and any(": error: " in line for line in lines):
        lines = [line for line in lines if ": error: " in line]  # argparse: usage lines, then one error
    assert len(lines) <= 1, err
    if must_fail:
        assert code == 2, (code, out, err)


PIPED = (["queue", "status"], ["audit", "list", "--json"], ["doctor"], ["catalog", "keygen"], ["--help"])


def test_a_closed_stdout_ends_quietly(workdir):
    """`| head -0`: the reader is gone before the first line. One process per command, at once."""
    main(["queue", "export", str(workdir / "usb")])  # an audit record for `audit list` to print
    read, write = os.pipe()
    os.close(read)
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, str(ROOT / "run_kiosk.py"), *argv], stdout=write, stderr=subprocess.PIPE,
                text=True, cwd=workdir,
            )
            for argv in PIPED
        ]
        results = [(proc.wait(timeout=60), proc.stderr.read()) for proc in procs]
    finally:
        os.close(write)
        for proc in procs:
            proc.stderr.close()
    # argparse's --help may fit the pipe's buffer; every command's output must end as SIGPIPE would
    assert results == [(EXIT_CLOSED_PIPE, "")] * (len(PIPED) - 1) + [results[-1]]
    assert results[-1] in ((0, ""), (EXIT_CLOSED_PIPE, ""))
