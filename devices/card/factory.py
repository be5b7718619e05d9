"""Build the configured card reader(s). The composition root calls `build_card_reader`.

`BACKENDS` is the table of card reader backends: name -> builder. Each builder imports its
backend when called, so a station without pyserial or pyscard (or pcscd) can still run
the others; the settings validator accepts exactly the names listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.card.base import CardReader

if TYPE_CHECKING:
    from devices.card.settings import CardSettings


def _simulated(settings: CardSettings) -> CardReader:
    from devices.card.samples import SAMPLES
    from devices.card.simulated import SimulatedCardReader

    reader = SimulatedCardReader()
    if settings.simulated.sample:  # validated by SimulatedSettings
        reader.insert(SAMPLES[settings.simulated.sample])
    return reader


def _ga467(settings: CardSettings) -> CardReader:
    from devices.card.ga467 import Ga467CardReader

    return Ga467CardReader(settings.ga467)


def _pcsc(settings: CardSettings) -> CardReader:
    from devices.card.pcsc import PcscCardReader

    return PcscCardReader(settings.pcsc)


BACKENDS: dict[str, Callable[[CardSettings], CardReader]] = {
    "simulated": _simulated,
    "ga467": _ga467,  # resident ID cards, HK/Macao/Taiwan and foreigners' permits
    "pcsc": _pcsc,  # passports, travel permits, technician badges
}


def build_card_reader(settings: CardSettings) -> CardReader:
    """The configured reader; several run as one `CompositeCardReader`. Nothing is opened
    until `start()` or the first read."""
    readers = [BACKENDS[name](settings) for name in settings.backend_names()]
    if len(readers) == 1:
        return readers[0]
    from devices.card.composite import CompositeCardReader

    return CompositeCardReader(readers)
