"""A fresh checkout: no secrets file yet. What a technician installing a station runs first
works; what needs a secret says which one, in one line."""

from __future__ import annotations

import pytest

from kiosk.cli import main


def run(capsys, station, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["--config", str(station.config), *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def audited_export(capsys, station, tmp_path) -> None:
    """A technician's export: an audit record, kept locally while nothing can be sealed."""
    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, station, "queue", "export", str(tmp_path / "usb"))
    assert (code, err) == (0, [])


@pytest.mark.parametrize(
    "argv",
    [
        ["queue", "status"],
        ["audit", "list"],
        ["printer", "status"],
        ["printer", "test"],
        ["card", "read", "--sample", "resident"],
        ["receipt", "render", "--sample", "--png", "{tmp}/sample.png"],
    ],
    ids=" ".join,
)
def test_device_and_read_only_commands_need_no_secrets(capsys, station, tmp_path, argv):
    if argv[:2] == ["audit", "list"]:
        audited_export(capsys, station, tmp_path)
    code, out, err = run(capsys, station, *[a.format(tmp=tmp_path) for a in argv])
    assert (code, err) == (0, []), err
    assert out
    assert not station.secrets.exists()


def test_audit_verify_needs_no_secrets(capsys, station, tmp_path):
    audited_export(capsys, station, tmp_path)
    code, out, err = run(capsys, station, "audit", "verify")
    assert (code, err) == (0, []) and out[0].startswith("ok: 1 records")


def test_doctor_reports_missing_credentials_on_one_line_and_checks_every_device(capsys, station):
    code, out, err = run(capsys, station, "doctor")
    assert code == 1 and err == []
    failed = [line for line in out if line.startswith("FAIL")]
    assert failed == [
        "FAIL credentials: missing queue.sealing_public_key, sync.token, sync.trusted_admin_keys: "
        f"secrets file {station.secrets} not found"
    ]
    names = [line[5:].split(":")[0] for line in out]
    assert names == [
        "config", "credentials", "file modes", "data dir", "queue", "catalog", "audit trail", "card reader", "camera",
        "printer",
    ]


def test_doctor_passes_once_provisioned(capsys, station):
    station.provision()
    code, out, _ = run(capsys, station, "doctor")
    assert code == 0, out
    assert "ok   credentials: sealing key, token and catalog keys set" in out


@pytest.mark.parametrize(
    ("argv", "secret"),
    [
        (["queue", "send-test"], "queue.sealing_public_key (the platform's sealing key)"),
        (["run"], "queue.sealing_public_key (the platform's sealing key)"),
        (["sync", "--once"], "sync.token (the station's bearer token)"),
    ],
    ids=" ".join,
)
def test_commands_that_need_a_secret_name_it(capsys, station, argv, secret):
    code, out, err = run(capsys, station, *argv)
    assert code == 2 and out == []
    assert err == [f"config error: missing {secret}: secrets file {station.secrets} not found"]


def test_a_secrets_file_without_the_key_says_so(capsys, station):
    station.secrets.write_text('[sync]\ntoken = "t"\n', encoding="utf-8")
    code, _, err = run(capsys, station, "queue", "send-test")
    assert code == 2
    assert err == [f"config error: missing queue.sealing_public_key (the platform's sealing key): not in {station.secrets}"]


def test_the_queue_refuses_to_enqueue_without_the_key(station):
    """The composition root's safety net behind the commands' own check: nothing unsealed."""
    from kiosk.bootstrap import parts
    from kiosk.config import load_config
    from offline_queue.api import QueueError
    from tests.integration.queue.conftest import new_submission

    with parts.outbox(load_config(station.config)) as outbox:
        with pytest.raises(QueueError, match="queue.sealing_public_key"):
            outbox.enqueue(new_submission(0))
        assert outbox.counts().pending == 0
