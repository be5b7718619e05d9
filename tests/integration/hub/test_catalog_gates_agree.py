"""One table of bad catalogs through every gate (issue 12, findings 2 and 9): the admin's
`catalog validate` and `catalog sign`, the hub's publish (real uvicorn on loopback) and the
station's staging, both ways a bundle reaches it: the sync engine's pull and the technician's
USB install. Every case is refused by all of them, for the same reasons, and the running
catalog stays; the valid base passes all of them, so the table can fail.

The engine pulls from the stand-in platform of the queue tests (loopback HTTP), which serves
whatever bundle it is given: a hub without the validator, as every hub was before.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
import requests

from hub.server import running
from offline_queue.catalog_bundle import sign_bundle
from offline_queue.catalog_schema import plain_text_problem
from offline_queue.engine import CATALOG_REJECTED
from offline_queue.outbox import Outbox
from offline_queue.sealing import Sealer
from tests.integration.queue.conftest import make_engine
from tests.integration.queue.http_doubles import StandinHub
from tests.tui.tech.rig import PIN, build_rig
from tests.unit.catalog.samples import service
from tests.unit.catalog.test_catalog_cli import run
from tests.unit.hub.conftest import ADMIN

pytestmark = pytest.mark.realstack
REGION = "440105"


def base(version: int = 8) -> dict:
    """A valid catalog, with a prefilled text field and a choice field to break."""
    svc = service()
    svc["fields"] = [
        {"id": "name", "label": {"zh-Hans": "姓名"}, "type": "text", "prefill": "identity.name"},
        {"id": "kind", "label": {"zh-Hans": "类别"}, "type": "choice",
         "choices": [{"value": "first", "label": {"zh-Hans": "首次"}}]},
    ]
    return {"region": REGION, "version": version, "issued_at": "2026-11-01T00:00:00Z",
            "effective_from": "2026-11-02T00:00:00+08:00", "expires_at": "2099-01-01T00:00:00Z", "services": [svc]}


def changed(path: str, value) -> Callable[[dict], None]:
    """A change to the base: `path` like `services.0.fields.0.prefill`."""
    def apply(payload: dict) -> None:
        *parents, last = path.split(".")
        node = payload
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return apply


# (id, change, where the validator says the problem is)
CASES = [
    ("prefill-shoe-size", changed("services.0.fields.0.prefill", "identity.shoe_size"), "services[0].fields[0].prefill"),
    ("version-true", changed("version", True), "version"),
    ("version-2^70", changed("version", 2**70), "version"),
    ("version-2^53", changed("version", 2**53), "version"),
    ("version-float", changed("version", 8.0), "version"),
    ("time-without-offset", changed("issued_at", "2026-11-01T00:00:00"), "issued_at"),
    ("time-date-only", changed("effective_from", "2026-11-02"), "effective_from"),
    ("time-as-number", changed("issued_at", 1793000000), "issued_at"),
    ("expiry-before-effective", changed("expires_at", "2026-11-01T12:00:00Z"), "effective_from must be before expires_at"),
    ("region-percent-00", changed("region", "440105%00"), "region"),
    ("region-fullwidth-digits", changed("region", "４４０１０５"), "region"),
    ("code-script", changed("services.0.code", "<script>"), "services[0].code"),
    ("code-space", changed("services.0.code", "HK 001"), "services[0].code"),
    ("code-newline", changed("services.0.code", "HK-001\n"), "services[0].code"),
    ("code-rlo", changed("services.0.code", "HK-\u202e001"), "services[0].code"),
    ("name-c0-esc", changed("services.0.name.zh-Hans", "户口\x1b@迁移"), "services[0].name.zh-Hans"),
    ("name-c1-csi", changed("services.0.name.en", "Hukou\x9b2J"), "services[0].name.en"),
    ("name-del", changed("services.0.name.en", "Hukou\x7f"), "services[0].name.en"),
    ("name-rlo", changed("services.0.name.zh-Hans", "户口\u202e移迁"), "services[0].name.zh-Hans"),
    ("name-isolate", changed("services.0.name.zh-Hans", "\u2067户口"), "services[0].name.zh-Hans"),
    ("name-rlm", changed("services.0.name.zh-Hans", "户口\u200f"), "services[0].name.zh-Hans"),
    ("name-alm", changed("services.0.name.zh-Hans", "户口\u061c"), "services[0].name.zh-Hans"),
    ("name-line-separator", changed("services.0.name.zh-Hans", "户口\u2028迁移"), "services[0].name.zh-Hans"),
    ("name-too-long", changed("services.0.name.zh-Hans", "户" * 81), "services[0].name"),
    ("description-too-long", changed("services.0.description.zh-Hans", "户" * 1001), "services[0].description.zh-Hans"),
    ("department-bidi", changed("services.0.department.zh-Hans", "公安\u202a局"), "services[0].department.zh-Hans"),
    ("label-control", changed("services.0.fields.0.label.zh-Hans", "姓\x00名"), "services[0].fields[0].label.zh-Hans"),
    ("choice-value-bidi", changed("services.0.fields.1.choices.0.value", "fi\u2066rst"), "services[0].fields[1].choices[0].value"),
    ("choice-value-too-long", changed("services.0.fields.1.choices.0.value", "x" * 65), "services[0].fields[1].choices[0].value"),
    ("pattern-control", changed("services.0.fields.0.pattern", "^\x1b$"), "services[0].fields[0].pattern"),
    ("required-not-bool", changed("services.0.fields.0.required", "yes"), "services[0].fields[0].required"),
]


@pytest.fixture
def gates(tmp_path, keys, make_app):
    """Every gate, each holding a running catalog v7 (the valid base) where a station is."""
    key_file = tmp_path / "admin.key"
    key_file.write_text(json.dumps({"key_id": keys.signing_key_id, "private_key": keys.signing_private}))
    outbox = Outbox.open(tmp_path / "queue.sqlite3", Sealer(keys.sealing_public, "hub-test"), min_free_bytes=0)
    platform = StandinHub().start()
    engine = make_engine(outbox, platform.url, trusted_admin_keys={keys.signing_key_id: keys.signing_public},
                         region=REGION, max_response_bytes=65536)
    rig = build_rig(tmp_path / "tech")
    rig.gate.login_pin(PIN)
    platform.catalogs[REGION] = sign_bundle(base(7), keys.signing_private, keys.signing_key_id)
    assert engine.poll_catalog() == "applied:v7"
    (tmp_path / "usb").mkdir(exist_ok=True)
    (tmp_path / "usb" / "v7.json").write_text(json.dumps(sign_bundle(base(7), rig.admin_private_key, "gz-admin-2026")))
    assert [r.outcome for r in rig.ops.install_bundles(tmp_path / "usb")] == ["applied"]
    with running(make_app()) as hub:
        yield Gates(tmp_path, key_file, keys, hub.url, platform, engine, outbox, rig)
    rig.close()
    platform.stop()
    outbox.close()


class Gates:
    """The four gates, and what each says of one payload."""

    def __init__(self, tmp, key_file, keys, hub_url, platform, engine, outbox, rig) -> None:
        self.tmp, self.key_file, self.keys, self.hub_url = tmp, key_file, keys, hub_url
        self.platform, self.engine, self.outbox, self.rig = platform, engine, outbox, rig

    def judge(self, payload: dict, capsys) -> dict:
        source = self.tmp / "catalog.json"
        source.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        out = self.tmp / "bundle.json"
        said: dict = {"validate": run("validate", str(source))}
        said["validate_err"] = capsys.readouterr().err
        said["sign"] = run("sign", str(source), "--key", str(self.key_file), "--out", str(out))
        said["signed_file"] = out.exists()
        capsys.readouterr()
        bundle = sign_bundle(payload, self.keys.signing_private, self.keys.signing_key_id)
        reply = requests.put(f"{self.hub_url}/v1/catalog/{REGION}", json=bundle, headers=ADMIN, timeout=10)
        said["hub"] = (reply.status_code, reply.json())
        self.platform.catalogs[REGION] = bundle
        said["pull"] = self.engine.poll_catalog()
        said["flag"] = self.outbox.get_flag(CATALOG_REJECTED)
        said["pulled_active"] = self.outbox.catalog.active().version
        usb = self.tmp / "usb"
        for old in usb.iterdir():
            old.unlink()
        (usb / "case.json").write_text(json.dumps(sign_bundle(payload, self.rig.admin_private_key, "gz-admin-2026")))
        said["install"] = [r.outcome for r in self.rig.ops.install_bundles(usb)]
        said["installed_active"] = self.rig.outbox.catalog.active().version
        said["audit"] = self.rig.audit.recent(1)[0].detail["outcome"]
        return said


def test_the_valid_base_passes_every_gate(gates, capsys):
    said = gates.judge(base(8), capsys)
    assert (said["validate"], said["sign"], said["signed_file"]) == (0, 0, True)
    assert said["hub"][0] == 201
    assert (said["pull"], said["flag"], said["pulled_active"]) == ("applied:v8", None, 8)
    assert (said["install"], said["installed_active"]) == (["applied"], 8)


@pytest.mark.parametrize(("change", "where"), [pytest.param(c, w, id=i) for i, c, w in CASES])
def test_every_gate_refuses_the_same_bad_catalog(gates, capsys, change, where):
    """Bad input: the base catalog with the one change the test id names."""
    payload = copy.deepcopy(base(8))
    change(payload)
    said = gates.judge(payload, capsys)
    # The admin's tools: validate lists the problem at its path; sign writes nothing.
    assert said["validate"] == 1 and where in said["validate_err"], said["validate_err"]
    assert (said["sign"], said["signed_file"]) == (1, False)
    # The hub: 400 (never 500), with errors the admin's validate also listed.
    status, body = said["hub"]
    assert status == 400 and body["error"] in ("malformed", "invalid"), body
    assert body["errors"] and all(error in said["validate_err"] for error in body["errors"]), body
    assert any(where in error for error in body["errors"])
    # The station: refused both ways, recorded, and the running catalog stays.
    assert said["pull"] == f"rejected:{body['error']}" and said["flag"] == body["error"]
    assert said["pulled_active"] == 7
    assert said["install"] == [f"rejected:{body['error']}"] and said["audit"] == said["install"][0]
    assert said["installed_active"] == 7
    # What the validator prints names the character, never echoes it raw.
    assert all(plain_text_problem(line) is None for line in said["validate_err"].splitlines())
