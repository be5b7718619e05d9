"""A hub in-process (Starlette's TestClient, real ASGI app) on each engine, and helpers that
build submissions the way a station does: sealed with `offline_queue.sealing`.

`hub_database` is parametrised: every test that uses it (through `make_app`, `client` or
`service`) runs twice, on a real SQLite file and on a new database in a throwaway PostgreSQL
cluster started once per session (`tests.support.pg_cluster`; if it cannot start, those
tests fail with the reason). A test about one engine's own files narrows it with
`@pytest.mark.parametrize("hub_database", ["sqlite"], indirect=True)`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from offline_queue.catalog_bundle import generate_signing_keypair
from offline_queue.sealing import Sealer, generate_keypair
from tests.support.pg_cluster import PgCluster

KIOSK = "GZ-HZ-0001"
OTHER_KIOSK = "SZ-FT-0002"
ADMIN_TOKEN = "admin-token-0123456789"
TOKENS = {KIOSK: "kiosk-token-aaaaaaaaaa", OTHER_KIOSK: "kiosk-token-bbbbbbbbbb"}
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Keys:
    sealing_private: str
    sealing_public: str
    signing_private: str
    signing_public: str
    signing_key_id: str = "gz-admin-2026"

    @property
    def sealer(self) -> Sealer:
        return Sealer(self.sealing_public, "hub-test")


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(*generate_keypair(), *generate_signing_keypair())


def kiosk_headers(kiosk: str = KIOSK, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or TOKENS[kiosk]}", "Kiosk-Id": kiosk}


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Faults:
    """Scripted fault_hook: `plan[(stage, method)] = [status, ...]`, consumed in order."""

    plan: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def __call__(self, stage: str, method: str, path: str) -> int | None:
        queue = self.plan.get((stage, method))
        return queue.pop(0) if queue else None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def faults() -> Faults:
    return Faults()


ENGINES = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    with PgCluster(fsync=False) as cluster:
        yield cluster


@pytest.fixture(params=ENGINES)
def hub_database(request, tmp_path) -> str:
    """Where a test's hub keeps its tables: a SQLite file in `tmp_path` or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "hub.sqlite3")
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"hub_{next(_database_numbers)}")


@pytest.fixture
def make_app(tmp_path, hub_database, keys, clock, faults):
    def make(**overrides):
        options = dict(
            private_key_b64=keys.sealing_private,
            admin_token=ADMIN_TOKEN,
            kiosk_tokens=TOKENS,
            catalog_keys={keys.signing_key_id: keys.signing_public},
            sealing_key_id="hub-test",
            max_attachment_bytes=64 * 1024,
            max_submission_bytes=32 * 1024,
            clock=clock,
            fault_hook=faults,
        )
        options.update(overrides)
        return create_app(hub_database, attachments_dir=tmp_path / "attachments", **options)

    return make


@pytest.fixture
def client(make_app):
    with TestClient(make_app()) as c:
        yield c


@dataclass
class Submission:
    """A station-built submission: body plus the sealed attachment bytes by hash."""

    body: dict
    attachments: dict[str, bytes]

    @property
    def id(self) -> str:
        return self.body["submission_id"]

    @property
    def url(self) -> str:
        return f"/v1/submissions/{self.id}"


def build_submission(keys: Keys, *, kiosk: str = KIOSK, n_attachments: int = 2, payload: dict | None = None) -> Submission:
    sealer = keys.sealer
    sealed_attachments = {}
    refs = []
    for i in range(n_attachments):
        blob = sealer.seal(f"fictional document image {i} {uuid.uuid4()}".encode() * 20)
        digest = hashlib.sha256(blob).hexdigest()
        sealed_attachments[digest] = blob
        refs.append({"sha256": digest, "size": len(blob), "role": f"doc-{i}"})
    personal = payload or {"name": "测试甲", "id_number": "11010519491231002X", "phone": "13800000000"}
    body = {
        "submission_id": str(uuid.uuid4()),
        "kiosk_id": kiosk,
        "service_code": "HK-001",
        "catalog_version": 42,
        "created_at": "2026-11-23T08:59:00Z",
        "receipt_number": "440105-0001-000123",
        "attachments": refs,
        "sealed": sealer.envelope(json.dumps(personal, ensure_ascii=False).encode()),
    }
    return Submission(body, sealed_attachments)


def upload_attachments(client, sub: Submission, kiosk: str = KIOSK) -> None:
    for digest, blob in sub.attachments.items():
        r = client.put(f"{sub.url}/attachments/{digest}", content=blob, headers=kiosk_headers(kiosk))
        assert r.status_code == 201, r.text
