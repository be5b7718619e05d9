"""The bundled demo catalog: what the demo hub publishes and what tests and benchmarks run on."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from kiosk.domain.catalog import Catalog


def demo_catalog_payload() -> dict[str, Any]:
    """`kiosk/demo/catalog.json` as a plain dict (unsigned, region as written there)."""
    text = resources.files("kiosk.demo").joinpath("catalog.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_demo_catalog() -> Catalog:
    """The bundled demo catalog, validated."""
    return Catalog.model_validate(demo_catalog_payload())
