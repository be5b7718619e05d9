"""`HubService` on its own: the hub's rules over each engine, no HTTP in between."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.service import HubService
from hub.store import HubStore
from offline_queue.catalog_bundle import sign_bundle
from offline_queue.wire import SubmissionIn
from tests.unit.hub.conftest import KIOSK, OTHER_KIOSK, build_submission
from tests.unit.hub.test_auth_catalog_health import REGION, catalog


@pytest.fixture
def service(tmp_path, hub_database, keys, clock):
    service = HubService(
        HubStore.open(hub_database, attachments_dir=tmp_path / "attachments"),
        private_key_b64=keys.sealing_private,
        catalog_keys={keys.signing_key_id: keys.signing_public},
        sealing_key_id="hub-test",
        clock=clock,
    )
    yield service
    service.close()


def deliver(service, sub, kiosk=KIOSK, checkpoint=None):
    for digest, blob in sub.attachments.items():
        spool = service.new_upload()
        spool.write(blob)
        service.store_attachment(kiosk, sub.id, digest, spool)
    model = SubmissionIn.model_validate(sub.body)
    return service.accept(model, kiosk) if checkpoint is None else service.accept(model, kiosk, checkpoint)


def test_accept_then_replay_same_bytes_and_status(service, keys):
    sub = build_submission(keys)
    status, body = deliver(service, sub)
    assert status == 201
    assert deliver(service, sub) == (200, body)
    assert service.submission_status(sub.id, KIOSK)["status"] == "received"
    (row,) = service.submissions()
    assert row["checks"]["attachments_opened"] == 2 and row["checks"]["payload_opened"]


def test_checkpoints_run_around_the_commit_only_for_first_deliveries(service, keys):
    sub = build_submission(keys, n_attachments=0)
    stages = []
    deliver(service, sub, checkpoint=stages.append)
    deliver(service, sub, checkpoint=stages.append)
    assert stages == ["before", "after_commit"]


def test_a_checkpoint_that_raises_before_stores_nothing(service, keys):
    """Bad input: a failure at "before"; the next delivery is the first one."""
    sub = build_submission(keys, n_attachments=0)

    def fail(stage):
        raise RuntimeError(stage)

    with pytest.raises(RuntimeError, match="before"):
        deliver(service, sub, checkpoint=fail)
    assert service.submissions() == []
    assert deliver(service, sub)[0] == 201


def test_refusals_are_hub_errors_with_the_contract_bodies(service, keys):
    """Bad input: different content under a known id, another kiosk's body, a missing attachment,
    an attachment whose bytes differ from its hash, an unknown id."""
    sub = build_submission(keys, n_attachments=1)
    deliver(service, sub)
    changed = build_submission(keys, n_attachments=0)
    changed.body["submission_id"] = sub.id
    with pytest.raises(HubError) as conflict:
        deliver(service, changed)
    assert (conflict.value.status, conflict.value.body) == (409, {"error": "conflict"})
    with pytest.raises(HubError) as wrong_kiosk:
        deliver(service, build_submission(keys, kiosk=OTHER_KIOSK, n_attachments=0))
    assert wrong_kiosk.value.status == 422
    missing = build_submission(keys, n_attachments=1)
    with pytest.raises(HubError) as not_uploaded:
        service.accept(SubmissionIn.model_validate(missing.body), KIOSK)
    assert not_uploaded.value.body == {"missing_attachments": list(missing.attachments)}
    digest = next(iter(missing.attachments))
    with pytest.raises(HubError) as mismatch:
        spool = service.new_upload()
        spool.write(b"other bytes")
        service.store_attachment(KIOSK, missing.id, digest, spool)
    assert mismatch.value.body["error"] == "hash_mismatch"
    with pytest.raises(HubError) as unknown:
        service.change_status(missing.id, "approved")
    assert unknown.value.status == 404


def test_a_kiosk_sees_only_its_own_submissions(service, keys):
    """Bad input: another kiosk asking for this kiosk's submission."""
    sub = build_submission(keys, n_attachments=0)
    deliver(service, sub)
    with pytest.raises(HubError) as other:
        service.submission_status(sub.id, OTHER_KIOSK)
    assert other.value.status == 404
    service.change_status(sub.id, "approved")
    assert service.submission_status(sub.id, None)["status"] == "approved"


def test_publish_outcomes_and_current_catalog(service, keys):
    """Bad input: the same version again, and a bundle for another region."""
    bundle = sign_bundle(catalog(version=2), keys.signing_private, keys.signing_key_id)
    status, body = service.publish(REGION, bundle)
    assert (status, body["version"]) == (201, 2)
    assert service.current_catalog(REGION)[1] == body["etag"]
    assert service.publish(REGION, bundle) == (409, {"error": "version_not_higher", "current_version": 2})
    elsewhere = sign_bundle(catalog(version=3, region="440300"), keys.signing_private, keys.signing_key_id)
    assert service.publish(REGION, elsewhere)[1]["error"] == "wrong_region"
    with pytest.raises(HubError) as none:
        service.current_catalog("440300")
    assert none.value.status == 404


def test_heartbeats_are_counted_per_kiosk(service):
    service.record_heartbeat(KIOSK, {"queue_depth": 1})
    service.record_heartbeat(KIOSK, {"queue_depth": 0})
    (kiosk,) = service.kiosks()
    assert (kiosk["kiosk_id"], kiosk["count"], kiosk["last"]) == (KIOSK, 2, {"queue_depth": 0})
