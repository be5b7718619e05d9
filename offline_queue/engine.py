"""The sync engine: delivers the outbox, pulls signed catalogs, sends heartbeats.

Decisions per SERVICE_API.md, in one place (`_deliver`):
- attachments first (PUT by SHA-256 of the sealed bytes, each checked against that hash as
  it is read: bytes that do not match quarantine the record `corrupt`), only those the
  platform has not confirmed yet (`Outbox.mark_accepted`), then the submission;
- 200/201 with a reference: delivered; 409: quarantined `conflict` (never overwritten);
  422 `missing_attachments`: upload those and PUT again; 422 `errors`: quarantined `rejected`;
- 401/403: the record goes back untouched, delivery pauses, the `auth_alarm` flag is raised;
- 429/503 with Retry-After (seconds or HTTP date, clamped to `retry_after_max_s`): the whole
  engine waits, and the record is due after it without counting an attempt;
- 5xx, timeouts, resets, non-JSON or oversized answers: retry that record later with
  full-jitter exponential backoff (`random() * min(cap, base * 2**attempts)`). Records that
  failed for network reasons only (connect errors, timeouts, resets, 5xx) are due at once
  when a request gets through again.
Oldest first, and a record that fails waits alone: `claim` always takes the oldest record
that is *due*, so one bad record never blocks those behind it. Up to `concurrency` records
are in flight at once (one worker thread and one HTTP session each), so the station's work
on one record overlaps the platform's on another instead of the two taking turns. Only when the network itself
fails several times in a row does the engine pause as a whole (a circuit breaker, at most
`CIRCUIT_PROBE_S` at a time), so a station offline for days does not spin through its queue;
when that pause ends one record is tried even if none is due (the probe), so the engine
notices the network's return within `CIRCUIT_PROBE_S`.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import math
import random
import shutil
import time
import threading
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from offline_queue.catalog_bundle import BundleRejected, verify_bundle
from offline_queue.client import TRANSPORT_CODES, Reply, ServiceClient, TransientError
from offline_queue.outbox import Outbox
from offline_queue.records import DamagedRecord, InvalidRecord, Record, Settlement
from offline_queue.settings import SyncSettings

log = logging.getLogger(__name__)

AUTH_ALARM = "auth_alarm"
CATALOG_ETAG = "catalog_etag"
CATALOG_REJECTED = "catalog_rejected"
CIRCUIT_THRESHOLD = 3  # consecutive transport failures before the whole engine waits
MISSING_ROUNDS = 3  # 422 missing_attachments answered this often in one attempt: try later
CIRCUIT_PROBE_S = 10.0  # while the network is down, one record is tried at least this often (one small request)

DeviceStates = Callable[[], dict[str, dict[str, Any]]]


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    QUARANTINED = "quarantined"
    RETRY = "retry"
    THROTTLED = "throttled"
    AUTH_REFUSED = "auth_refused"


class _Retry(Exception):
    def __init__(self, code: str, retry_after: float | None = None, *, network: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after
        self.network = network  # the network or the platform's server failed, not this record


class _Quarantine(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _AuthRefused(Exception):
    pass


class _Stopped(Exception):
    """Between two requests of one record: shutdown was requested, or the engine paused
    (another worker met 429/503, 401/403 or the circuit breaker). The record goes back
    untouched, without counting an attempt."""


# What one attempt on a worker thread hands back: the outcome (None: put back untouched),
# the settlement to write, and the error code of a retry ("" otherwise).
_Tried = tuple["Outcome | None", "Settlement | None", str]


@dataclass
class SyncSummary:
    """What one `sync --once` run did; `line()` is its one-line report (no personal data)."""

    delivered: int = 0
    quarantined: int = 0
    retried: int = 0
    throttled: int = 0
    auth_refused: bool = False
    unreachable: bool = False
    catalog: str | None = None
    heartbeat: str | None = None
    errors: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        match outcome:
            case Outcome.DELIVERED:
                self.delivered += 1
            case Outcome.QUARANTINED:
                self.quarantined += 1
            case Outcome.RETRY:
                self.retried += 1
            case Outcome.THROTTLED:
                self.throttled += 1
            case Outcome.AUTH_REFUSED:
                self.auth_refused = True

    def line(self, pending: int, elapsed_s: float) -> str:
        errors = ",".join(f"{k}:{v}" for k, v in sorted(self.errors.items())) or "-"
        return (
            f"sync: delivered={self.delivered} quarantined={self.quarantined} retry_later={self.retried}"
            f" throttled={self.throttled} pending={pending} errors={errors}"
            f" auth={'REFUSED' if self.auth_refused else 'ok'}"
            f" network={'unreachable' if self.unreachable else 'ok'}"
            f" catalog={self.catalog or '-'} heartbeat={self.heartbeat or '-'} in {elapsed_s:.1f}s"
        )


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _json_object(reply: Reply) -> dict[str, Any]:
    """The answer's JSON object; a non-JSON answer where JSON is due is a transient failure."""
    try:
        return reply.json_object()
    except TransientError as exc:
        raise _Retry(exc.code) from None


def _software_version() -> str:
    try:
        return metadata.version("kiosk-station")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class SyncEngine:
    """Delivers the outbox, `concurrency` records at a time; `run_until_idle` for `--once`,
    the daemon for the loop.

    Threads: the caller's thread claims records, writes outcomes, pulls catalogs and sends
    heartbeats (with `client`); delivery attempts run on a small pool of workers, each with
    its own `ServiceClient` (a `requests.Session` is not guaranteed thread-safe). The state
    the workers share (pause deadline, circuit counter, credentials alarm) is under a lock.
    """

    def __init__(
        self,
        outbox: Outbox,
        client: ServiceClient,
        settings: SyncSettings,
        *,
        device_states: DeviceStates | None = None,
        audit_head: Callable[[], tuple[int, str] | None] = lambda: None,
        software_version: str | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        rng: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.settings = settings
        # Devices live in the station's process; the caller says how to read their states
        # (`run_kiosk.py sync` reads what the station's supervisor leaves in the queue DB).
        self.device_states = device_states or dict
        self.audit_head = audit_head  # the audit trail's newest (seq, hash): the platform keeps each
        self.software_version = software_version or _software_version()
        self.should_stop = should_stop  # checked before every request: SIGTERM ends cleanly
        self._rng = rng
        self._monotonic = monotonic
        self._owner = f"sync-{uuid.uuid4().hex[:12]}"
        self._started = monotonic()
        self._pause_until = 0.0  # Retry-After and refused credentials
        self._circuit_until = 0.0  # the network failed CIRCUIT_THRESHOLD times in a row
        self._transport_failures = 0
        # A request got through: records that failed for network reasons are due at once
        # (written with the next claim). True at start: a restart does not know what the
        # network did meanwhile, and the first answer tells.
        self._network_back = False
        self._network_doubted = True
        self.last_error = ""  # code of the latest retry (for the --once summary)
        self._leased: deque[Record] = deque()  # claimed, not yet tried
        self._inflight: set[Future[_Tried]] = set()  # being tried by a worker
        self._outcomes: list[Settlement] = []  # tried, not yet written
        self._pool: ThreadPoolExecutor | None = None  # started on first delivery
        self._local = threading.local()  # each worker's own ServiceClient
        self._worker_clients: list[ServiceClient] = []
        self._state_lock = threading.RLock()  # pause, circuit counter, auth alarm
        self.auth_refused = outbox.get_flag(AUTH_ALARM) is not None

    # ----------------------------------------------------------------- timing

    def backoff(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempts)]."""
        s = self.settings
        ceiling = min(s.backoff_cap_s, s.backoff_base_s * math.pow(2, min(attempts, 62)))
        return self._rng() * ceiling

    def paused_for(self) -> float:
        """Seconds until the engine as a whole may send again (Retry-After, circuit, auth)."""
        return max(0.0, max(self._pause_until, self._circuit_until) - self._monotonic())

    def _pause(self, seconds: float) -> None:
        with self._state_lock:
            self._pause_until = max(self._pause_until, self._monotonic() + seconds)

    # ----------------------------------------------------------------- delivery

    @property
    def busy(self) -> bool:
        """Some record is being tried by a worker (its outcome is still to be collected)."""
        return bool(self._inflight)

    def deliver_one(self) -> Outcome | None:
        """Collect the outcome of one delivery attempt; None when nothing is due or in flight.

        Before waiting, the workers are topped up to `concurrency` records, taken oldest
        first from the leased ones; records are leased `batch_size` at a time and their
        outcomes written with the next claim (one commit per batch, see
        `Outbox.claim_batch`). Nothing new starts while the engine is paused or stopping;
        the records still in flight finish, and when none is left `flush()` writes what is
        pending and hands back unstarted leases.
        """
        self._start_workers()
        while self._inflight:
            finished, _ = wait(self._inflight, return_when=FIRST_COMPLETED)
            future = finished.pop()
            self._inflight.discard(future)
            outcome, settlement, error = future.result()
            if settlement is not None:
                self._outcomes.append(settlement)
            if outcome is not None:  # None: put back untouched (stopping or paused)
                if error:
                    self.last_error = error
                return outcome
        self.flush()
        return None

    def _start_workers(self) -> None:
        """Top the workers up, oldest record first; one at a time while the network fails, so a
        station that lost its link does not fire `concurrency` more doomed requests."""
        while (
            len(self._inflight) < (1 if self._transport_failures else self.settings.concurrency)
            and not self.should_stop()
            and self.paused_for() <= 0
        ):
            if not self._leased:
                with self._state_lock:
                    network_back, self._network_back = self._network_back, False
                self._leased.extend(
                    self.outbox.claim_batch(
                        self._owner,
                        self.settings.batch_size,
                        settle=self._take_outcomes(),
                        network_back=network_back,
                        probe=self._transport_failures >= CIRCUIT_THRESHOLD and not self._inflight,
                    )
                )
                if not self._leased:
                    return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="sync-deliver")
            self._inflight.add(self._pool.submit(self._attempt, self._leased.popleft()))

    def _attempt(self, record: Record) -> _Tried:
        """One try at one record, on a worker thread; never raises for the platform's answers."""
        try:
            reference, received_at = self._deliver(record)
        except _Stopped:
            return None, Settlement.released(record), ""
        except _AuthRefused:
            return Outcome.AUTH_REFUSED, Settlement.released(record), ""
        except _Quarantine as q:
            log.warning("submission %s quarantined: %s", record.submission_id, q.reason)
            return Outcome.QUARANTINED, Settlement.quarantined(record, q.reason), ""
        except _Retry as r:
            if r.retry_after is not None:
                delay = min(r.retry_after, self.settings.retry_after_max_s)
                self._pause(delay)
                return Outcome.THROTTLED, Settlement.throttled(record, delay, r.code), r.code
            delay = self.backoff(record.attempts)
            return Outcome.RETRY, Settlement.retry_later(record, delay, r.code, network=r.network), r.code
        return Outcome.DELIVERED, Settlement.delivered(record, reference, received_at), ""

    def _worker_client(self) -> ServiceClient:
        """This worker's own client (its own `requests.Session`), made on first use."""
        client: ServiceClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self.client.clone()
            with self._state_lock:
                self._worker_clients.append(client)
        return client

    def _take_outcomes(self) -> list[Settlement]:
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def flush(self) -> None:
        """Wait for the records in flight (each finishes its current request), then write
        pending outcomes and release leased-but-unstarted records (one transaction)."""
        for future in self._inflight:
            _, settlement, _ = future.result()
            if settlement is not None:
                self._outcomes.append(settlement)
        self._inflight.clear()
        released = [Settlement.released(record) for record in self._leased]
        self._leased.clear()
        self.outbox.settle(self._take_outcomes() + released)

    def close(self) -> None:
        """Stop the workers (after their current record) and close every HTTP session."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for client in (*self._worker_clients, self.client):
            client.close()
        self._worker_clients.clear()

    def _send(self, send: Callable[[ServiceClient], Reply]) -> Reply:
        """A delivery request from a worker: not started once the engine is paused, because
        another worker was throttled, refused or lost the network meanwhile."""
        if self.paused_for() > 0:
            raise _Stopped("paused")
        client = self._worker_client()
        return self._call(lambda: send(client))

    def _call(self, send: Callable[[], Reply]) -> Reply:
        """One request with the cross-cutting answers handled: auth, throttling, transport."""
        if self.should_stop():
            raise _Stopped("stopping")
        try:
            reply = send()
        except TransientError as exc:
            network = exc.code in TRANSPORT_CODES
            with self._state_lock:
                self._network_doubted |= network
                if network:
                    self._transport_failures += 1
                    if self._transport_failures >= CIRCUIT_THRESHOLD:
                        pause = min(CIRCUIT_PROBE_S, self.backoff(self._transport_failures - CIRCUIT_THRESHOLD))
                        self._circuit_until = max(self._circuit_until, self._monotonic() + pause)
            raise _Retry(exc.code, network=network) from None
        with self._state_lock:
            if reply.status < 500:  # it got through: the network is back, whatever it answered
                self._transport_failures = 0
                self._circuit_until = 0.0
                self._network_back |= self._network_doubted
                self._network_doubted = False
            else:
                self._network_doubted = True
        if reply.status in (401, 403):
            with self._state_lock:
                self._raise_auth_alarm(reply.status)
            raise _AuthRefused
        if self.auth_refused and reply.status < 400:
            with self._state_lock:
                if self.auth_refused:
                    self._clear_auth_alarm()
        if reply.status in (429, 503):
            retry_after = parse_retry_after(reply.headers.get("Retry-After"), time.time())
            code = f"http_{reply.status}"
            raise _Retry(code, retry_after, network=reply.status >= 500)
        if reply.status >= 500:
            raise _Retry(f"http_{reply.status}", network=True)
        return reply

    def _upload(self, record: Record, sha256: str) -> None:
        try:
            data = self.outbox.attachment_data(record, sha256)
        except DamagedRecord as exc:
            log.error("%s: not sent", exc)  # names hashes and ids only
            raise _Quarantine("corrupt") from None
        reply = self._send(lambda client: client.put_attachment(record.submission_id, sha256, data))
        if reply.status in (200, 201):
            self.outbox.mark_accepted(record, sha256)
            return
        if reply.status == 413:
            raise _Quarantine("attachment_too_large")
        else:  # 400 hash mismatch (bytes damaged on the way) or anything unexpected
            raise _Retry(f"attachment_http_{reply.status}")

    def _deliver(self, record: Record) -> tuple[str, str | None]:
        # Upload what the platform has not confirmed yet (on a retry, or after a crash, that
        # skips what got through before), then PUT; a 422 names anything still missing.
        try:
            record.check_payload()
            body = record.body(self.settings.kiosk_id)
        except DamagedRecord as exc:
            log.error("%s: not sent", exc)
            raise _Quarantine("corrupt") from None
        except InvalidRecord as exc:
            log.error("%s: not sent", exc)  # names fields only, never values
            raise _Quarantine("invalid") from None
        for ref in record.attachments:
            if not ref.accepted:
                self._upload(record, ref.sha256)
        manifest = {ref.sha256 for ref in record.attachments}
        for _ in range(MISSING_ROUNDS):
            reply = self._send(lambda client: client.put_submission(record.submission_id, body))
            if reply.status in (200, 201):
                answer = _json_object(reply)
                reference = answer.get("reference")
                if not isinstance(reference, str) or not reference or (
                    answer.get("submission_id") not in (None, record.submission_id)
                ):
                    raise _Retry("bad_receipt")
                received_at = answer.get("received_at")
                return reference, received_at if isinstance(received_at, str) else None
            if reply.status == 409:
                raise _Quarantine("conflict")
            if reply.status == 422:
                answer = _json_object(reply)
                missing = answer.get("missing_attachments")
                if isinstance(missing, list) and missing:
                    if not set(missing) <= manifest:
                        raise _Quarantine("rejected")  # asks for what this submission never had
                    for sha256 in missing:
                        self._upload(record, sha256)
                    continue
                if isinstance(answer.get("errors"), list):
                    raise _Quarantine("rejected")
                raise _Retry("bad_422")
            if 400 <= reply.status < 500:
                raise _Quarantine(f"http_{reply.status}")
            raise _Retry(f"http_{reply.status}")
        raise _Retry("missing_attachments")

    def _raise_auth_alarm(self, status: int) -> None:
        if not self.auth_refused:
            log.error("the platform refused our credentials (HTTP %s): delivery paused", status)
        self.auth_refused = True
        self.outbox.set_flag(AUTH_ALARM, f"http_{status} at {datetime.now(UTC).isoformat(timespec='seconds')}")
        # Credentials do not fix themselves quickly: probe again only after the backoff cap.
        self._pause(self.settings.backoff_cap_s)

    def _clear_auth_alarm(self) -> None:
        self.auth_refused = False
        self.outbox.set_flag(AUTH_ALARM, None)
        log.info("credentials accepted again: delivery resumed")

    def run_until_idle(self, summary: SyncSummary | None = None) -> SyncSummary:
        """Deliver until nothing is due (or `should_stop`); honours Retry-After by waiting (clamped)."""
        summary = summary or SyncSummary()
        while self.busy or not self.should_stop():
            wait = self.paused_for()
            if wait > 0 and not self.busy:  # records in flight finish first
                if self.auth_refused or self._transport_failures >= CIRCUIT_THRESHOLD:
                    summary.unreachable = not self.auth_refused
                    break
                time.sleep(min(wait, 1.0))
                continue
            outcome = self.deliver_one()
            if outcome is None:
                if self.paused_for() > 0:  # workers were stopped by a pause: wait it out above
                    continue
                break
            summary.count(outcome)
            if outcome in (Outcome.RETRY, Outcome.THROTTLED):
                summary.errors[self.last_error] = summary.errors.get(self.last_error, 0) + 1
        self.flush()
        return summary

    # ----------------------------------------------------------------- catalog and health

    def poll_catalog(self, now: datetime | None = None) -> str:
        """Pull the region's bundle; verify, validate and install it. Returns a short result code.

        A bundle `verify_bundle` refuses (forged, rolled back, expired, or a catalog the
        validator rejects: `rejected:invalid`) is not installed: the running catalog stays and
        the reason is kept in the CATALOG_REJECTED flag (the daemon audits the result)."""
        now = now or datetime.now(UTC)
        catalog = self.outbox.catalog
        catalog.apply_due(now)
        try:
            reply = self._call(lambda: self.client.get_catalog(self.settings.region, self.outbox.get_flag(CATALOG_ETAG)))
        except _AuthRefused:
            return "auth_refused"
        except (_Retry, _Stopped) as exc:
            return f"error:{exc}"
        if reply.status == 304:
            return "not_modified"
        if reply.status == 404:
            return "none_published"
        if reply.status != 200:
            return f"error:http_{reply.status}"
        try:
            bundle = reply.json_object()
        except TransientError as exc:
            return f"error:{exc.code}"
        active = catalog.active(now)
        try:
            verified = verify_bundle(
                bundle,
                trusted_keys=self.settings.trusted_admin_keys,
                region=self.settings.region,
                current_version=active.version if active else 0,
                now=now,
            )
        except BundleRejected as exc:
            log.warning("catalog bundle refused: %s", exc.reason)
            self.outbox.set_flag(CATALOG_REJECTED, exc.reason)
            return f"rejected:{exc.reason}"
        result = catalog.install(verified, now)
        self.outbox.set_flag(CATALOG_REJECTED, None)
        etag = reply.headers.get("ETag")
        if etag:
            self.outbox.set_flag(CATALOG_ETAG, etag)
        log.info("catalog version %s %s", verified.version, result)
        return f"{result}:v{verified.version}"

    def heartbeat_body(self) -> dict[str, Any]:
        counts = self.outbox.counts()
        active = self.outbox.catalog.active()
        return {
            "software_version": self.software_version,
            "catalog_region": self.settings.region,
            "catalog_version": active.version if active else None,
            "catalogs": self.outbox.catalog.report(),
            "queue_depth": counts.pending + counts.in_flight,
            "oldest_pending_age_s": counts.oldest_pending_age_s,
            "quarantined": counts.quarantined,
            "devices": self.device_states(),
            "free_disk_bytes": shutil.disk_usage(self.outbox.path.parent).free,
            "uptime_s": round(self._monotonic() - self._started, 1),
            "audit_head": {"seq": head[0], "hash": head[1]} if (head := self.audit_head()) else None,
        }

    def heartbeat(self) -> str:
        """POST one heartbeat; returns "ok" or a short error code."""
        body = self.heartbeat_body()
        try:
            reply = self._call(lambda: self.client.heartbeat(body))
        except _AuthRefused:
            return "auth_refused"
        except (_Retry, _Stopped) as exc:
            return f"error:{exc}"
        return "ok" if 200 <= reply.status < 300 else f"error:http_{reply.status}"
