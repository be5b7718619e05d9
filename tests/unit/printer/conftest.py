import datetime as dt

import pytest

from kiosk.domain.catalog import Promise
from kiosk.domain.i18n_text import Lang, LocalText
from kiosk.domain.receipt import Receipt, ReceiptStatus
from kiosk.domain.receipt_number import make_receipt_number

#: Fictional citizen; the raw values must never appear on a receipt.
RAW_NAME = "张小三"
RAW_ID = "44010619900101123X"
SUBMISSION = "3f1c2b9e-8a4d-4f6e-9b2a-1c3d5e7f9a0b"


def make_receipt(**overrides) -> Receipt:
    fields = dict(
        name=RAW_NAME,
        id_number=RAW_ID,
        station_name="海珠区无人值守政务服务驿站",
        station_address="广州市海珠区示例路1号",
        service_name=LocalText.model_validate(
            {"zh-Hans": "居住证签注", "zh-Hant": "居住證簽注", "en": "Residence permit endorsement"}
        ),
        receipt_number=make_receipt_number("GZ-HZ-0001", dt.date(2026, 11, 23), 42),
        submission_id=SUBMISSION,
        created_at=dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC),
        status=ReceiptStatus.QUEUED,
        promise=Promise(working_days=5),
        status_url="https://zwfw.example.gov.cn/s/",
        hotline="12345",
        language=Lang.EN,
    )
    fields.update(overrides)
    return Receipt.for_citizen(**fields)


@pytest.fixture
def receipt() -> Receipt:
    return make_receipt()
