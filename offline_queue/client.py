"""The service-API client: one `requests.Session`, bounded in time and in size.

It knows the contract's URLs and headers, and nothing about what a status code means: the
sync engine decides that. Two rules from SERVICE_API.md are enforced here because every
caller needs them: a response larger than `max_response_bytes` and a response that is not
JSON where JSON is due are transient failures (`TransientError`), never success. urllib3
retries are off (`Retry(0)`); retrying is the engine's job, with backoff per record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from offline_queue.settings import SyncSettings

USER_AGENT = "kiosk-station-sync/1"
CHUNK = 64 * 1024


class TransientError(Exception):
    """The request may or may not have reached the platform; retry later. `code` is loggable."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Codes of failures where the platform was not (or not fully) reached: the engine counts
# them to tell "this record fails" from "the network is down".
TRANSPORT_CODES = frozenset({"timeout", "connection"})


@dataclass(frozen=True)
class Reply:
    """A complete, size-checked HTTP response."""

    status: int
    headers: Mapping[str, str]  # case-insensitive (requests' CaseInsensitiveDict): h11 sends "etag"
    content: bytes = field(repr=False)

    def json(self) -> Any:
        """The body as JSON; `TransientError("not_json")` when it is not."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            raise TransientError("not_json") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise TransientError("not_json")
        return body


class ServiceClient:
    """Speaks SERVICE_API.md v1 for one station (`Kiosk-Id`, bearer token, TLS settings)."""

    def __init__(self, settings: SyncSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._base = settings.base_url.rstrip("/")
        self._timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        self.session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=False), pool_maxsize=2)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Kiosk-Id": settings.kiosk_id, "User-Agent": USER_AGENT})
        token = settings.token.get_secret_value()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.verify = str(settings.ca_bundle) if settings.ca_bundle else settings.tls_verify
        if settings.client_cert is not None:
            self.session.cert = (
                (str(settings.client_cert), str(settings.client_key))
                if settings.client_key
                else str(settings.client_cert)
            )
        self.session.trust_env = False  # a proxy from the environment is not part of the config

    def clone(self) -> ServiceClient:
        """Another client with the same settings and its own session (one per worker thread)."""
        return ServiceClient(self._settings)

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        """One attempt; raises `TransientError` for timeouts, resets, oversized bodies."""
        limit = self._settings.max_response_bytes
        try:
            response = self.session.request(
                method,
                self._base + path,
                data=data,
                headers=headers,
                timeout=self._timeout,
                stream=True,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientError("timeout") from None
        except requests.ConnectionError:
            raise TransientError("connection") from None
        except requests.RequestException:
            raise TransientError("http_error") from None
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TransientError("oversized")
            chunks, size = [], 0
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TransientError("oversized")
                chunks.append(chunk)
        except requests.Timeout:
            raise TransientError("timeout") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            raise TransientError("connection") from None
        except requests.RequestException:
            raise TransientError("http_error") from None
        finally:
            response.close()
        return Reply(response.status_code, response.headers, b"".join(chunks))

    # --- the contract's calls -------------------------------------------------------------

    def put_attachment(self, submission_id: str, sha256: str, sealed: bytes) -> Reply:
        return self.request(
            "PUT",
            f"/v1/submissions/{quote(submission_id)}/attachments/{sha256}",
            data=sealed,
            headers={"Content-Type": "application/octet-stream"},
        )

    def put_submission(self, submission_id: str, body: bytes) -> Reply:
        """`body` is `Record.body()`: the exact bytes, the same on every retry."""
        return self.request(
            "PUT",
            f"/v1/submissions/{quote(submission_id)}",
            data=body,
            headers={"Content-Type": "application/json"},
        )

    def get_catalog(self, region: str, etag: str | None) -> Reply:
        headers = {"If-None-Match": etag} if etag else None
        return self.request("GET", f"/v1/catalog?region={quote(region)}", headers=headers)

    def audit_heads(self) -> Reply:
        """1.1: every audit head the platform kept for this kiosk (`AuditHeads`)."""
        return self.request("GET", f"/v1/kiosks/{quote(self._settings.kiosk_id)}/audit-heads")

    def heartbeat(self, body: dict[str, Any]) -> Reply:
        return self.request(
            "POST",
            f"/v1/kiosks/{quote(self._settings.kiosk_id)}/heartbeat",
            data=json.dumps(body, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json"},
        )
