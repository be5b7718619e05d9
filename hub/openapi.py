"""The hub's OpenAPI document: `schema(app)` builds it, `python -m hub.openapi [PATH]` writes it
(default docs/openapi.json).

The document is generated from the app itself, so it cannot drift from the code; a test
fails when the committed file is out of date (re-run this module to refresh it).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from hub.help_request import HelpRequest
from offline_queue.sealing import generate_keypair
from offline_queue.wire import CatalogBundle, Heartbeat, MissingAttachments, Refused, SealedEnvelope, SubmissionIn

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"

#: Request bodies the routes read and validate by hand (to answer 413/422 the contract's way),
#: so FastAPI cannot see them: their schemas are added to the document here.
HAND_VALIDATED = (SubmissionIn, CatalogBundle, Heartbeat, HelpRequest, MissingAttachments, Refused, SealedEnvelope)


def schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document for `app` plus the hand-validated schemas and the security schemes;
    built once per app (`create_app` installs this as `app.openapi`)."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, defs = models_json_schema(
            [(m, "validation") for m in HAND_VALIDATED], ref_template="#/components/schemas/{model}"
        )
        components = document.setdefault("components", {})
        components.setdefault("schemas", {}).update(defs.get("$defs", {}))
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "kioskId": {"type": "apiKey", "in": "header", "name": "Kiosk-Id"},
        }
        document["security"] = [{"bearer": [], "kioskId": []}]
        app.openapi_schema = document
    return app.openapi_schema


def document() -> dict[str, Any]:
    """The OpenAPI document of a throw-away hub (keys and tokens do not appear in it)."""
    from hub.app import create_app  # here, not at the top: hub.app imports this module

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            Path(tmp) / "hub.sqlite3",
            private_key_b64=generate_keypair()[0],
            admin_token="openapi-document-only",
            kiosk_tokens={},
        )
        return app.openapi()


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
