"""argparse `type=` functions: numbers with bounds, submission ids.

What a person types is checked where it is parsed, so a value out of range (negative, huge,
NaN, infinity) or not of its kind is an argparse error naming the option (exit 2), never a
MemoryError, an OverflowError or an encoding error deep inside a command.
"""

from __future__ import annotations

import argparse
import math
import uuid
from collections.abc import Callable


def whole(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`, both included."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}")
        return value

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds from `low` to `high`, both included."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g} seconds")
        return value

    return parse


def submission_id(text: str) -> str:
    """A submission id: a UUID, in the canonical lower-case form the queue stores."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a submission id (a UUID): {text[:40]!r}") from None
