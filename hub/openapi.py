"""Write the hub's OpenAPI document: `python -m hub.openapi [PATH]` (default docs/openapi.json).

The document is generated from the app itself, so it cannot drift from the code; a test
fails when the committed file is out of date (re-run this module to refresh it).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hub.app import create_app
from offline_queue.sealing import generate_keypair

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    """The OpenAPI document of a throw-away hub (keys and tokens do not appear in it)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            Path(tmp) / "hub.sqlite3",
            private_key_b64=generate_keypair()[0],
            admin_token="openapi-document-only",
            kiosk_tokens=(),
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
