"""Build the configured card reader. The composition root calls `build_card_reader`."""

from __future__ import annotations

from devices.card.base import CardReader
from devices.card.settings import CardSettings


def build_card_reader(settings: CardSettings) -> CardReader:
    """The backend named by `settings.backend`. Nothing is opened until `start()`.

    Real backends are imported lazily so that a station without pyserial or pyscard (or
    pcscd) can still run the simulated reader.
    """
    if settings.backend == "simulated":
        from devices.card.samples import SAMPLES
        from devices.card.simulated import SimulatedCardReader

        reader = SimulatedCardReader()
        if settings.simulated.sample:  # validated by SimulatedSettings
            reader.insert(SAMPLES[settings.simulated.sample])
        return reader
    if settings.backend == "ga467":
        from devices.card.ga467 import Ga467CardReader

        return Ga467CardReader(settings.ga467)
    if settings.backend == "pcsc":
        from devices.card.pcsc import PcscCardReader

        return PcscCardReader(settings.pcsc)
    raise ValueError(f"unknown card backend {settings.backend!r}")
