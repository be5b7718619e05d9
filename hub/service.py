"""The hub's rules, apart from HTTP: what it accepts, stores, publishes and reports.

`HubService` is called by the routes (`hub.routes`) and by the hub's CLI (`--publish-catalog`),
and is unit-testable without a web server. Semantics worth knowing:
- Submissions live in kiosk namespaces (SERVICE_API 1.1): they and their attachments are keyed
  by (kiosk, id), ids in lower case, so another kiosk using the same id makes its own
  submission and can never block, overwrite or detect the first.
- Submissions are idempotent by (kiosk, id): the first valid delivery stores the request and its 201
  body; an identical one (same known fields) gets 200 with that same body, byte for byte;
  different content gets 409. The check and the insert run in one `BEGIN IMMEDIATE`
  transaction, so concurrent identical deliveries produce exactly one 201.
- Before accepting, the hub proves the round trip: the sealed payload must open with its
  private key (and be a JSON object), and every attachment must be stored, have the declared
  size and open too. The plaintext is dropped at once; only a digest and the payload's
  top-level field names are kept for the admin listing. Nothing of it is logged.
- Catalog bundles are verified with the trusted admin keys and validated in full
  (`offline_queue.catalog_bundle.verify_bundle`), exactly as stations verify them: a catalog
  a station would refuse is refused here (400 with every `path: message` in `errors`).
- Attachments never referenced by a submission of their kiosk within `ORPHAN_AGE` are purged
  (`purge_orphans`, run periodically by the app).
- Heartbeats' audit heads are kept for good, per kiosk (`audit_heads`).
Refusals are `HubError`s carrying the contract's status and body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from hub.attachment_files import Spool
from hub.errors import HubError
from hub.fleet import Fleet, FleetRules, cases_by_region, catalog_use, fleet, help_since, station
from hub.help_request import HelpRequest
from hub.store import HubStore, StoredSubmission
from offline_queue.catalog_bundle import NOT_NEWER, BundleRejected, canonical_json, verify_bundle
from offline_queue.sealing import Opener, SealingError
from offline_queue.wire import Heartbeat, SubmissionIn, field_errors

log = logging.getLogger("hub")

REFERENCE_PREFIX = "GBA"
#: SERVICE_API 1.1: attachments never referenced by a submission within this are purged.
ORPHAN_AGE = timedelta(days=7)

#: Shown to the citizen via the station for each status (GET /v1/submissions/{id}).
STATUS_MESSAGES: dict[str, dict[str, str]] = {
    "received": {"zh-Hans": "已收到，等待受理", "zh-Hant": "已收到，等待受理", "en": "Received, waiting to be processed"},
    "in_review": {"zh-Hans": "审核中", "zh-Hant": "審核中", "en": "Under review"},
    "approved": {"zh-Hans": "已批准", "zh-Hant": "已批准", "en": "Approved"},
    "rejected": {"zh-Hans": "未通过，请查看短信通知", "zh-Hant": "未通過，請查看短訊通知", "en": "Not approved; see the text message sent to you"},
    "ready_for_pickup": {"zh-Hans": "已办结，可领取", "zh-Hant": "已辦結，可領取", "en": "Done, ready for pickup"},
}

#: Called with "before" (nothing stored yet) and "after_commit" (stored) around each write of
#: an attachment or a submission; the routes pass one that runs the tests' fault hook.
Checkpoint = Callable[[str], None]


def _no_faults(stage: str) -> None:
    """The checkpoint of a caller that injects nothing."""


def _now_text(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _etag(bundle_json: str) -> str:
    return '"' + hashlib.sha256(bundle_json.encode()).hexdigest()[:32] + '"'


class HubService:
    """The rules of one hub over `store`.

    `private_key_b64`: the platform's X25519 private key (`offline_queue.sealing`), used to
    check that payloads and attachments open. `sealing_key_id`: if given, envelopes must name
    it. `catalog_keys`: key id -> base64 Ed25519 public key of admins allowed to publish.
    """

    def __init__(
        self,
        store: HubStore,
        *,
        private_key_b64: str,
        catalog_keys: Mapping[str, str] | None = None,
        sealing_key_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._opener = Opener(private_key_b64)
        self._catalog_keys = dict(catalog_keys or {})
        self._sealing_key_id = sealing_key_id
        self._clock = clock
        # kiosk -> (received_at, count, body) of its latest heartbeat: see `_latest_heartbeats`.
        self._beats: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._beats_lock = threading.Lock()

    def close(self) -> None:
        self.store.close()

    def _now(self) -> str:
        return _now_text(self._clock())

    def now(self) -> datetime:
        return self._clock()

    # -- submissions ----------------------------------------------------------------------

    def new_upload(self) -> Spool:
        return self.store.files.spool()

    def store_attachment(
        self, kiosk_id: str, submission_id: str, sha256: str, spool: Spool, checkpoint: Checkpoint = _no_faults
    ) -> bool:
        """Keep a complete upload under (kiosk, id, hash); True if new, False if already stored.
        The spool is the caller's to discard (a no-op once committed)."""
        if spool.sha256 != sha256:
            raise HubError(400, {"error": "hash_mismatch", "message": "SHA-256 of the body differs from the path"})
        checkpoint("before")
        self.store.files.commit(spool, kiosk_id, submission_id, sha256)
        created = self.store.put_attachment(kiosk_id, submission_id, sha256, spool.size, self._now())
        checkpoint("after_commit")
        return created

    def purge_orphans(self) -> int:
        """Forget attachments older than `ORPHAN_AGE` that no submission of their kiosk names;
        how many went."""
        cutoff = _now_text(self._clock() - ORPHAN_AGE)
        purged = 0
        for kiosk_id, submission_id, sha256 in self.store.orphan_attachments(cutoff):
            if self.store.delete_attachment(kiosk_id, submission_id, sha256, cutoff):
                self.store.files.remove(kiosk_id, submission_id, sha256)
                purged += 1
        if purged:
            log.info("purged %d orphan attachments", purged)
        return purged

    def check_content(self, sub: SubmissionIn, kiosk_id: str) -> dict[str, Any]:
        """Refuse what the platform cannot use; return the admin-visible check report."""
        stored = self.store.attachment_sizes(kiosk_id, sub.submission_id)
        missing = sorted({a.sha256 for a in sub.attachments if a.sha256 not in stored})
        if missing:
            raise HubError(422, {"missing_attachments": missing})
        errors = [
            {"field": f"attachments[{i}].size", "message": f"declared {a.size}, stored {stored[a.sha256]}"}
            for i, a in enumerate(sub.attachments)
            if stored[a.sha256] != a.size
        ]
        if self._sealing_key_id is not None and sub.sealed.recipient_key_id != self._sealing_key_id:
            errors.append({"field": "sealed.recipient_key_id", "message": "not this platform's key"})
        payload_fields: list[str] = []
        payload_digest = ""
        try:
            plaintext = self._opener.open_envelope(sub.sealed.model_dump())
        except SealingError:
            errors.append({"field": "sealed", "message": "does not open with the platform key"})
        else:
            payload_digest = hashlib.sha256(plaintext).hexdigest()
            try:
                opened = json.loads(plaintext)
            except (UnicodeDecodeError, ValueError, RecursionError):
                opened = None
            if isinstance(opened, dict):
                payload_fields = sorted(opened)
            else:
                errors.append({"field": "sealed", "message": "payload is not a JSON object"})
            del plaintext, opened
        for i, a in enumerate(sub.attachments):
            try:
                self._opener.open(self.store.files.read(kiosk_id, sub.submission_id, a.sha256))
            except SealingError:
                errors.append({"field": f"attachments[{i}]", "message": "does not open with the platform key"})
        if errors:
            raise HubError(422, {"errors": errors})
        return {
            "payload_opened": True,
            "payload_sha256": payload_digest,
            "payload_fields": payload_fields,
            "attachments_opened": len(sub.attachments),
        }

    def accept(self, sub: SubmissionIn, kiosk_id: str, checkpoint: Checkpoint = _no_faults) -> tuple[int, str]:
        """(201, receipt JSON) for a first delivery, (200, the same bytes) for a replay."""
        if sub.kiosk_id != kiosk_id:
            raise HubError(422, {"errors": [{"field": "kiosk_id", "message": "differs from the Kiosk-Id header"}]})
        sub = sub.model_copy(update={"submission_id": sub.submission_id.lower()})
        content = sub.model_dump(mode="json")
        digest = hashlib.sha256(canonical_json(content)).hexdigest()

        def replay(existing: StoredSubmission) -> tuple[int, str]:
            if existing.content_sha256 != digest:
                raise HubError(409, {"error": "conflict"})
            return 200, existing.response

        existing = self.store.submission(kiosk_id, sub.submission_id)
        if existing is not None:
            return replay(existing)
        report = self.check_content(sub, kiosk_id)
        checkpoint("before")
        with self.store.transaction() as conn:
            existing = self.store.submission(kiosk_id, sub.submission_id, conn)
            if existing is not None:
                return replay(existing)
            stored = self.store.insert_submission(
                conn,
                submission_id=sub.submission_id,
                kiosk_id=kiosk_id,
                service_code=sub.service_code,
                content_sha256=digest,
                request=content,
                received_at=self._now(),
                check_report=report,
                reference_prefix=REFERENCE_PREFIX,
            )
        log.info("submission %s received from %s as %s", stored.submission_id, kiosk_id, stored.reference)
        checkpoint("after_commit")
        return 201, stored.response

    def _owner(self, submission_id: str, kiosk_id: str | None) -> str:
        """The kiosk whose submission an admin (`kiosk_id=None`) means: the only one using the
        id, else a 409 naming them; 404 when none does."""
        if kiosk_id is not None:
            return kiosk_id
        kiosks = self.store.kiosks_using(submission_id.lower())
        if not kiosks:
            raise HubError(404, {"error": "not_found"})
        if len(kiosks) > 1:
            raise HubError(409, {"error": "ambiguous", "message": "several kiosks use this id: name one", "kiosks": kiosks})
        return kiosks[0]

    def submission_status(self, submission_id: str, kiosk_id: str | None) -> dict[str, Any]:
        """What a kiosk may know of its own submission (or the admin, `kiosk_id=None`, of any);
        another kiosk's submission with the same id is not this kiosk's: 404, as for an unknown id."""
        stored = self.store.submission(self._owner(submission_id, kiosk_id), submission_id.lower())
        if stored is None:
            raise HubError(404, {"error": "not_found"})
        return {
            "submission_id": stored.submission_id,
            "reference": stored.reference,
            "status": stored.status,
            "updated_at": stored.updated_at,
            "message": STATUS_MESSAGES[stored.status],
        }

    def change_status(self, submission_id: str, status: str, kiosk_id: str | None = None) -> None:
        owner = self._owner(submission_id, kiosk_id)
        if not self.store.set_status(owner, submission_id.lower(), status, self._now()):
            raise HubError(404, {"error": "not_found"})

    def submissions(self) -> list[dict[str, Any]]:
        """Every submission for the admin listing: ids, status, attachments, checks; never plaintext."""
        return [
            {
                "submission_id": s.submission_id,
                "kiosk_id": s.kiosk_id,
                "service_code": s.service_code,
                "receipt_number": s.request["receipt_number"],
                "reference": s.reference,
                "status": s.status,
                "received_at": s.received_at,
                "attachments": s.request["attachments"],
                "checks": s.check_report,
            }
            for s in self.store.submissions()
        ]

    # -- catalogs -------------------------------------------------------------------------

    def current_catalog(self, region: str) -> tuple[str, str]:
        """(bundle JSON, ETag) of the region's highest version."""
        current = self.store.current_catalog(region)
        if current is None:
            raise HubError(404, {"error": "no_catalog", "message": f"no catalog for region {region}"})
        _, bundle_json, etag = current
        return bundle_json, etag

    def publish(self, region: str, bundle: Any) -> tuple[int, dict[str, Any]]:
        """Verify, validate and store a signed bundle: 201 `{region, version, etag}`, 409 when its
        version is not higher than the current one, 400 with the reason it was refused (and the
        validator's `errors` for a malformed or invalid catalog). Returned, not
        raised: all three are answers an admin's tool reports (the CLI maps them to exit codes)."""
        with self.store.transaction() as conn:
            current = self.store.current_catalog(region, conn)
            current_version = current[0] if current else 0
            try:
                verified = verify_bundle(
                    bundle,
                    trusted_keys=self._catalog_keys,
                    region=region,
                    current_version=current_version,
                    now=self._clock(),
                )
            except BundleRejected as exc:
                if exc.reason == NOT_NEWER:
                    return 409, {"error": "version_not_higher", "current_version": current_version}
                refusal: dict[str, Any] = {"error": exc.reason, "message": exc.detail}
                if exc.errors:
                    refusal["errors"] = list(exc.errors)
                return 400, refusal
            bundle_json = json.dumps(
                {"payload": bundle["payload"], "signature": bundle["signature"], "key_id": bundle["key_id"]}
            )
            etag = _etag(bundle_json)
            self.store.insert_catalog(conn, region, verified.version, bundle_json, etag, self._now())
        log.info("catalog %s version %d published", region, verified.version)
        return 201, {"region": region, "version": verified.version, "etag": etag}

    # -- kiosks ---------------------------------------------------------------------------

    def record_heartbeat(self, kiosk_id: str, body: dict[str, Any]) -> None:
        """Keep the latest heartbeat (as sent: unknown fields too) and its audit head for good.
        `body` must already be within the limits `hub.heartbeat_limits` enforces."""
        try:
            beat = Heartbeat.model_validate(body)
        except ValidationError as exc:
            raise HubError(422, {"errors": field_errors(exc)}) from None
        now = self._now()
        self.store.put_heartbeat(kiosk_id, body, now)
        with self._beats_lock:
            known = self._beats.get(kiosk_id)
            if known is not None:  # the next count, if no other process wrote meanwhile (else re-read)
                self._beats[kiosk_id] = (now, known[1] + 1, body)
        if beat.audit_head is not None:
            self.store.add_audit_head(kiosk_id, beat.audit_head.seq, beat.audit_head.hash, now)

    def audit_heads(self, kiosk_id: str) -> dict[str, Any]:
        return {"kiosk_id": kiosk_id, "heads": self.store.audit_heads(kiosk_id)}

    def kiosks(self) -> list[dict[str, Any]]:
        """Each kiosk's latest heartbeat with a count, for the admin."""
        return self.store.heartbeats()

    def record_help(self, kiosk_id: str, body: dict[str, Any]) -> None:
        """Keep a citizen's call for help (SERVICE_API 1.1): kind, session step, time; no
        personal data is asked for, and unknown fields are dropped."""
        try:
            request = HelpRequest.model_validate(body)
        except ValidationError as exc:
            raise HubError(422, {"errors": field_errors(exc)}) from None
        self.store.add_help_request(kiosk_id, request.kind, request.session_step, request.requested_at, self._now())

    # -- the fleet console ----------------------------------------------------------------

    def _latest_heartbeats(self) -> list[dict[str, Any]]:
        """Every kiosk's latest heartbeat, as `HubStore.heartbeats` gives them. Parsing 5,000
        bodies at every console refresh cost most of a second: the bodies this process
        recorded are kept parsed, and only those whose (time, count) in the database differ
        (written by another process, or not seen yet) are read and parsed again."""
        stamps = self.store.heartbeat_stamps()
        with self._beats_lock:
            stale = [k for k, at, n in stamps if self._beats.get(k, ("", -1))[:2] != (at, n)]
        fresh = self.store.heartbeat_bodies(stale) if stale else {}
        with self._beats_lock:
            self._beats.update(fresh)
            beats = [(k, self._beats.get(k)) for k, _, _ in stamps]
        return [{"kiosk_id": k, "received_at": b[0], "count": b[1], "last": b[2]} for k, b in beats if b is not None]

    def fleet(self, rules: FleetRules) -> Fleet:
        """Every station's state and alerts now."""
        now = self._clock()
        recent = self.store.help_requests(since=_now_text(help_since(now, rules)), limit=100_000)
        return fleet(self._latest_heartbeats(), recent, now, rules)

    def station_detail(self, kiosk_id: str, rules: FleetRules) -> dict[str, Any]:
        """One station for its console page; 404 when it never sent a heartbeat."""
        now = self._clock()
        beat = next((b for b in self.store.heartbeats() if b["kiosk_id"] == kiosk_id), None)
        if beat is None:
            raise HubError(404, {"error": "not_found"})
        recent = self.store.help_requests(kiosk_id=kiosk_id, since=_now_text(help_since(now, rules)))
        return {
            "station": station(beat, len(recent), now, rules),
            "help_requests": self.store.help_requests(kiosk_id=kiosk_id, limit=20),
            "audit_heads": self.store.audit_head_count(kiosk_id),
        }

    def catalog_overview(self, rules: FleetRules) -> dict[str, Any]:
        """Published versions per region, and which stations hold which."""
        published: dict[str, list[dict[str, Any]]] = {}
        for row in self.store.catalogs_published():
            published.setdefault(row["region"], []).append(row)
        use = catalog_use(self.fleet(rules).stations)
        return {"regions": sorted(set(published) | set(use)), "published": published, "use": use}

    def cases(self, rules: FleetRules) -> dict[str, dict[str, int]]:
        """Counts of cases by owning region and status; nothing else of them."""
        region_of = {s.kiosk_id: s.region for s in self.fleet(rules).stations}
        return cases_by_region(self.store.submission_counts(), region_of)
