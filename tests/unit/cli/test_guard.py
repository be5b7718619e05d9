"""The last resort in `kiosk.cli.main`: what no command handled is one line and exit 70."""

from __future__ import annotations

import pytest

from kiosk.cli import EXIT_SOFTWARE, main
from kiosk.commands import printer


@pytest.mark.parametrize(
    "error",
    [RuntimeError("first line\n  second line"), MemoryError(), BrokenPipeError(32, "Broken pipe")],
    ids=["multi-line message", "no message", "a socket's broken pipe, not stdout's"],
)
def test_an_escaped_exception_is_one_line_naming_the_command(station, capsys, monkeypatch, error):
    def broken(args, load_config):
        raise error

    monkeypatch.setattr(printer, "_status", broken)  # registered when main builds the parser
    assert main(["--config", str(station.config), "printer", "status"]) == EXIT_SOFTWARE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"run_kiosk.py: printer status: {type(error).__name__}")
    if isinstance(error, RuntimeError):
        assert err == "run_kiosk.py: printer status: RuntimeError: first line second line\n"
