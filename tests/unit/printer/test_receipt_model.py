import dataclasses
import datetime as dt

import pytest

from kiosk.domain.receipt import Receipt, ReceiptStatus
from tests.unit.printer.conftest import RAW_ID, RAW_NAME, SUBMISSION, make_receipt


def test_only_masked_identity_is_kept(receipt):
    assert receipt.masked_name == "张*三"
    assert receipt.masked_id_number == "4401**********123X"
    text = repr(receipt)
    assert RAW_NAME not in text and RAW_ID not in text


def test_qr_url_carries_the_submission_id(receipt):
    assert receipt.qr_url == f"https://zwfw.example.gov.cn/s/{SUBMISSION}"


def test_local_time_is_the_stations(receipt):
    assert receipt.local_time.strftime("%Y-%m-%d %H:%M") == "2026-11-23 17:05"


def test_unmasked_identity_is_refused(receipt):
    """Bad input: a raw ID number passed straight into the model."""
    with pytest.raises(ValueError, match="masked"):
        dataclasses.replace(receipt, masked_id_number=RAW_ID)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": ReceiptStatus.RECEIVED}, "reference"),
        ({"platform_reference": "GZ2026-1"}, "reference"),
        ({"created_at": dt.datetime(2026, 11, 23, 9, 5)}, "time zone"),
        ({"receipt_number": "GZHZ0001-20261123-0042-0"}, "check"),
        ({"submission_id": "not-a-uuid"}, "badly formed"),
    ],
)
def test_inconsistent_receipts_are_refused(receipt, change, message):
    """Bad input: received without reference, reference while queued, naive time, wrong check, bad id."""
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(receipt, **change)


def test_received_with_reference():
    received = make_receipt(status=ReceiptStatus.RECEIVED, platform_reference="GZ2026-000123")
    assert received.platform_reference == "GZ2026-000123"


def test_identity_may_be_left_out():
    assert make_receipt(name=None, id_number=None).masked_name is None
    assert isinstance(make_receipt(name=None, id_number=None), Receipt)
