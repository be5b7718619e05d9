"""App-wide messages. Device threads reach the UI only through these, via `post_message`."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from devices.card.base import CardEvent


@dataclass
class CardChanged(Message):
    """A card reader event, posted from the reader's own thread."""

    event: CardEvent


@dataclass
class CardReadFailed(Message):
    """Reading the card that was just placed failed; `reason` is a message key."""

    reason: str


@dataclass
class CardReading(Message):
    """A card was placed and is being read (the identify screen says so)."""


@dataclass
class FaceProgress(Message):
    """The face check's worker saw a frame: what to ask the citizen for now (a `Prompt` value)."""

    prompt: str
    faces: int
