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
