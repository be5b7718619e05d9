"""A reader of the hand-carry export, written from docs/queue.md as the platform would.

It trusts nothing the export says: every file the manifest lists is read and hashed, every
file on disk must be listed, each record's attachments must be the ones its PUT body names.
It shares no code with `offline_queue.handcarry`, so a bug there cannot hide itself here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Carried:
    manifest: dict
    bodies: dict[str, bytes]  # submission id -> exact PUT body bytes
    attachments: dict[tuple[str, str], bytes]  # (submission id, sha256) -> sealed bytes


def read_export(folder: Path) -> Carried:
    """Verify and read one export folder; AssertionError on anything that does not hold."""
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert manifest["format"] == "kiosk-handcarry" and manifest["format_version"] == 1
    assert manifest["kiosk_id"] and manifest["created_at"].endswith("Z")
    listed = {}
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["size"], entry["path"]
        listed[entry["path"]] = data
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(listed) | {"manifest.json"}, "files on disk and in the manifest differ"
    bodies, attachments = {}, {}
    for submission_id in manifest["submissions"]:
        body_bytes = listed[f"{submission_id}/submission.json"]
        body = json.loads(body_bytes)
        assert body["submission_id"] == submission_id and body["kiosk_id"] == manifest["kiosk_id"]
        bodies[submission_id] = body_bytes
        for ref in body["attachments"]:
            data = listed[f"{submission_id}/{ref['sha256']}.bin"]
            assert hashlib.sha256(data).hexdigest() == ref["sha256"] and len(data) == ref["size"]
            attachments[(submission_id, ref["sha256"])] = data
    assert len(listed) == len(bodies) + len(attachments), "the manifest lists files no record names"
    return Carried(manifest, bodies, attachments)
