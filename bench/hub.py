"""Reference hub throughput over loopback HTTP: `python bench/hub.py [--n 300]`.

Delivers fresh submissions (sealed like a station seals them) to a hub served by uvicorn on
a free port, one keep-alive client as the sync daemon uses, and prints submissions/s for
durable (synchronous=FULL) and non-durable hubs, without and with attachments, plus ratios.
Client and server share this process (and its GIL), so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

import requests  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.server import running  # noqa: E402
from offline_queue.sealing import Sealer, generate_keypair  # noqa: E402

KIOSK, TOKEN = "GZ-HZ-0001", "bench-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Kiosk-Id": KIOSK}


def submissions(sealer: Sealer, n: int, attachments: int, size: int) -> list[tuple[dict, dict[str, bytes]]]:
    out = []
    for _ in range(n):
        blobs = {}
        refs = []
        for i in range(attachments):
            blob = sealer.seal(os.urandom(size))
            digest = hashlib.sha256(blob).hexdigest()
            blobs[digest] = blob
            refs.append({"sha256": digest, "size": len(blob), "role": f"doc-{i}"})
        body = {
            "submission_id": str(uuid.uuid4()), "kiosk_id": KIOSK, "service_code": "BENCH-01",
            "catalog_version": 1, "created_at": "2026-11-23T09:00:00Z", "receipt_number": "440105-0001-000001",
            "attachments": refs,
            "sealed": sealer.envelope(json.dumps({"name": "测试", "id_number": "11010519491231002X"}).encode()),
        }
        out.append((body, blobs))
    return out


def run(durable: bool, n: int, attachments: int, size: int) -> float:
    private, public = generate_keypair()
    sealer = Sealer(public, "bench")
    work = submissions(sealer, n, attachments, size)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp) / "hub.sqlite3", private_key_b64=private, admin_token="bench-admin-token-0123",
                         kiosk_tokens={KIOSK: TOKEN}, durable=durable)
        with running(app) as hub, requests.Session() as session:
            start = time.perf_counter()
            for body, blobs in work:
                url = f"{hub.url}/v1/submissions/{body['submission_id']}"
                for digest, blob in blobs.items():
                    assert session.put(f"{url}/attachments/{digest}", data=blob, headers=HEADERS, timeout=30).status_code == 201
                assert session.put(url, json=body, headers=HEADERS, timeout=30).status_code == 201
            return n / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="submissions per run (attachment runs use n/3)")
    args = parser.parse_args()
    cases = [("no attachments", args.n, 0, 0), ("3 x 300 KB attachments", max(1, args.n // 3), 3, 300_000)]
    for label, n, attachments, size in cases:
        full = run(True, n, attachments, size)
        normal = run(False, n, attachments, size)
        print(f"{label:>24}: durable {full:7.0f} submissions/s | synchronous=NORMAL {normal:7.0f}/s"
              f" | ratio NORMAL/FULL {normal / full:4.2f}  (n={n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
