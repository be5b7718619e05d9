"""`validate_catalog`: every problem, each with its path, so one typo cannot reach 300 stations."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from kiosk.domain.catalog import validate_catalog

DEMO = json.loads((Path(__file__).resolve().parents[3] / "kiosk" / "demo" / "catalog.json").read_text(encoding="utf-8"))


def test_demo_catalog_is_valid():
    assert validate_catalog(DEMO) == []


def test_every_error_is_listed_with_its_path():
    """Bad input: an unknown prefill source, a bad city, a duplicate code and a reserved code."""
    bad = copy.deepcopy(DEMO)
    field = 0
    bad["services"][3]["fields"][field]["prefill"] = "identity.shoe_size"
    bad["services"][1]["cities"] = ["guangzhou", "atlantis"]
    bad["services"][2]["code"] = bad["services"][0]["code"]
    bad["services"][4]["code"] = "AUDIT"
    errors = validate_catalog(bad)
    assert f"services[3].fields[{field}].prefill: unknown source 'identity.shoe_size'" in errors
    assert "services[1].cities: unknown cities ['atlantis']" in errors
    assert "services[4].code: 'AUDIT' is reserved for the station's own records" in errors
    assert len(errors) == 3, errors  # the duplicate is reported once the items are valid


def test_duplicate_codes_are_found():
    bad = copy.deepcopy(DEMO)
    bad["services"][2]["code"] = bad["services"][0]["code"]
    assert validate_catalog(bad) == [f"duplicate service codes ['{DEMO['services'][0]['code']}']"]


def test_not_an_object():
    assert validate_catalog([]) != []


def _with(change) -> list[str]:
    bad = copy.deepcopy(DEMO)
    change(bad)
    return validate_catalog(bad)


def test_limits_that_must_still_pass():
    """The edges of every rule are valid: version 1 and 2^53-1, offsets in any RFC 3339 form,
    brackets in names (plain text; the screens show them literally), emoji joiners."""
    for version in (1, 2**53 - 1):
        assert _with(lambda c, v=version: c.update(version=v)) == []
    for moment in ("2026-11-21T00:00:00Z", "2026-11-21t00:00:00z", "2026-11-21T08:00:00.125+08:00"):
        assert _with(lambda c, m=moment: c.update(issued_at=m)) == []
    assert _with(lambda c: c["services"][0]["name"].update({"en": "[b]Permit[/] 👨\u200d👩"})) == []


def test_plain_text_names_the_character_not_echoes_it():
    """Bad input: an ESC and a right-to-left override in a service name."""
    errors = _with(lambda c: c["services"][0]["name"].update({"en": "A\x1bB", "zh-Hant": "\u202e甲"}))
    assert "services[0].name.en: not plain text: control character U+001B at position 1" in errors
    assert "services[0].name.zh-Hant: not plain text: bidirectional control character U+202E at position 0" in errors
    assert all(line.isprintable() for line in errors)


def test_a_lone_surrogate_is_not_text():
    """Bad input: a JSON escape of half a UTF-16 pair (not encodable as UTF-8: signing would fail)."""
    errors = _with(lambda c: c["services"][0]["description"].update({"en": json.loads('"\\ud800"')}))
    assert len(errors) == 1 and errors[0].startswith("services[0].description.en: "), errors
