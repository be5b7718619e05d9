"""The PUT body a record makes: built from the wire model, the same bytes as always."""

from __future__ import annotations

import json

import pytest

from offline_queue.records import AttachmentRef, InvalidRecord, Record
from offline_queue.wire import SubmissionIn

SHA_A, SHA_B = "a" * 64, "0123456789abcdef" * 4


def record(**overrides) -> Record:
    values = dict(
        seq=7,
        submission_id="6f1c2a4e-9b3d-4c5e-8f70-1a2b3c4d5e6f",
        receipt_number="440105-000042",
        service_code="GZ-HJ-001",
        catalog_version=3,
        created_at="2026-11-23T13:35:00.120Z",
        sealed_alg="hpke-base-x25519-hkdfsha256-aes256gcm",
        sealed_key_id="platform-2026",
        sealed_payload=b"\x00sealed\xff",
        attempts=0,
        attachments=(AttachmentRef(0, "id-front", SHA_A, 1048), AttachmentRef(1, "id-back", SHA_B, 0)),
    )
    values.update(overrides)
    return Record(**values)


def test_body_bytes_are_the_ones_the_station_always_sent():
    """The bytes the hand-built dict produced before the wire model built them (compact JSON,
    contract key order, `created_at` exactly as stored: milliseconds and a Z)."""
    expected = (
        '{"submission_id":"6f1c2a4e-9b3d-4c5e-8f70-1a2b3c4d5e6f","kiosk_id":"GZ-HZ-0001",'
        '"service_code":"GZ-HJ-001","catalog_version":3,"created_at":"2026-11-23T13:35:00.120Z",'
        '"receipt_number":"440105-000042","attachments":['
        f'{{"sha256":"{SHA_A}","size":1048,"role":"id-front"}},'
        f'{{"sha256":"{SHA_B}","size":0,"role":"id-back"}}],'
        '"sealed":{"alg":"hpke-base-x25519-hkdfsha256-aes256gcm","recipient_key_id":"platform-2026",'
        '"ciphertext":"AHNlYWxlZP8="}}'
    ).encode()
    assert record().body("GZ-HZ-0001") == expected


def test_the_hub_model_reads_the_body_back_to_the_same_bytes():
    body = record().body("GZ-HZ-0001")
    parsed = SubmissionIn.model_validate_json(body)
    assert parsed.created_at.microsecond == 120_000 and parsed.created_at.utcoffset().total_seconds() == 0
    assert parsed.put_body() == body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (dict(receipt_number="R" * 65), "receipt_number"),
        (dict(catalog_version=-987), "catalog_version"),
        (dict(created_at="23.11.2026"), "created_at"),
        (dict(attachments=(AttachmentRef(0, "id-front", "NOT-HEX", 1),)), "attachments[0].sha256"),
    ],
)
def test_a_record_the_contract_refuses_is_not_built(overrides, field):
    """Bad input: stored columns the wire contract does not allow; the error names the field only."""
    with pytest.raises(InvalidRecord) as caught:
        record(**overrides).body("GZ-HZ-0001")
    message = str(caught.value)
    assert field in message
    for value in overrides.values():
        assert str(value) not in message


def test_body_is_json_the_platform_opens_as_a_dict():
    body = json.loads(record().body("K"))
    assert list(body) == list(SubmissionIn.model_fields)
