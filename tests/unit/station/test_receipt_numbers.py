import datetime as dt

from kiosk.domain.receipt_number import verify_receipt_number
from kiosk.demo.catalogs import load_demo_catalog
from kiosk.station import DailyReceiptNumbers
from offline_queue.sealing import Sealer, generate_keypair
from offline_queue.outbox import Outbox


def test_sequence_counts_per_day_and_survives_a_restart(tmp_path):
    """Bad input: a restart in the middle of the day must not reuse a number."""
    day = [dt.date(2026, 11, 23)]
    sealer = Sealer(generate_keypair()[1], "k")
    with Outbox.open(tmp_path / "q.db", sealer) as outbox:
        numbers = DailyReceiptNumbers(outbox, "GZ-HZ-0001", today=lambda: day[0])
        first, second = numbers(), numbers()
    assert first.startswith("GZHZ0001-261123-001-") and second.startswith("GZHZ0001-261123-002-")
    assert verify_receipt_number(first) and verify_receipt_number(second)
    with Outbox.open(tmp_path / "q.db", sealer) as outbox:  # the station restarted
        numbers = DailyReceiptNumbers(outbox, "GZ-HZ-0001", today=lambda: day[0])
        assert numbers().startswith("GZHZ0001-261123-003-")
        day[0] = dt.date(2026, 11, 24)
        assert numbers().startswith("GZHZ0001-261124-001-")


def test_demo_catalog_loads_from_the_package():
    assert load_demo_catalog().service("TAX-CERT").promise.instant
