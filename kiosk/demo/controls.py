"""Demo buttons: "tap" a sample card on the simulated reader, lay a sample page on the platen.

The identify and capture screens show these only when the station hands them over
(`Station.demo`, `Station.demo_documents`), which the composition root does only in demo
mode with simulated devices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devices.camera.base import Camera, DocKind
from devices.camera.simulated import SimulatedCamera
from devices.card.base import CardReader, Identity
from devices.card.samples import SAMPLES
from devices.card.simulated import SimulatedCardReader


@dataclass(frozen=True)
class DemoCards:
    """Sample documents a visitor can "tap" on the simulated reader."""

    samples: Mapping[str, Identity]  # label -> fictional identity
    insert: Callable[[Identity], None]  # the simulated reader's insert()
    remove: Callable[[], None]


@dataclass(frozen=True)
class DemoDocuments:
    """Lay the sample document a step asks for on the simulated platen."""

    place: Callable[[DocKind], None]  # SimulatedCamera.place
    remove: Callable[[], None]  # SimulatedCamera.remove


def demo_cards(card: CardReader) -> DemoCards | None:
    """Every sample the identify step can read by itself, when the reader is simulated."""
    if not isinstance(card, SimulatedCardReader):
        return None
    samples = {key: value for key, value in SAMPLES.items() if isinstance(value, Identity)}
    return DemoCards(samples=samples, insert=card.insert, remove=card.remove)


def demo_documents(camera: Camera) -> DemoDocuments | None:
    """Sample pages for the capture step, when the camera is simulated."""
    if not isinstance(camera, SimulatedCamera):
        return None
    return DemoDocuments(place=camera.place, remove=camera.remove)
