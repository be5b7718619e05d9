"""The `[card]` section of config.toml: which identity reader backend, and its knobs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.card.samples import SAMPLES


class Ga467Settings(BaseModel):
    """A GA 467 SAM reader (resident ID cards) on a serial or USB-serial port."""

    model_config = ConfigDict(extra="forbid")

    port: str = Field("/dev/ttyUSB0", description="Serial device of the SAM reader.")
    baud: int = Field(115200, description="Baud rate; most SAM modules ship at 115200, some at 9600.")
    timeout_s: float = Field(
        3.0, gt=0, le=30, description="Upper bound for one command's answer (a full read is ~1 s)."
    )
    poll_interval_s: float = Field(
        0.1,
        gt=0,
        le=5,
        description="How often the polling thread looks for a card (find card 20 01, ~2 ms on the wire at 115200).",
    )
    reject_expired: bool = Field(True, description="Refuse cards whose validity has ended.")


class PcscSettings(BaseModel):
    """A PC/SC reader (ICAO 9303 documents, technician badges) through pcscd."""

    model_config = ConfigDict(extra="forbid")

    reader: str = Field("", description="Substring of the reader name to use; empty = the first reader.")
    timeout_s: float = Field(5.0, gt=0, le=60, description="Upper bound for one card operation.")


class SimulatedSettings(BaseModel):
    """The simulated reader (demo and tests)."""

    model_config = ConfigDict(extra="forbid")

    sample: str = Field(
        "", description="Key of devices.card.samples.SAMPLES placed on the reader at start; empty = none."
    )

    @field_validator("sample")
    @classmethod
    def _known_sample(cls, value: str) -> str:
        if value and value not in SAMPLES:
            raise ValueError(f"unknown sample; choose one of {', '.join(sorted(SAMPLES))}")
        return value


class CardSettings(BaseModel):
    """Which identity source the station uses, and each backend's settings."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["simulated", "ga467", "pcsc"] = Field(
        "simulated", description="simulated | ga467 (resident ID cards) | pcsc (passports, badges)."
    )
    ga467: Ga467Settings = Field(default_factory=Ga467Settings, description="GA 467 serial reader.")
    pcsc: PcscSettings = Field(default_factory=PcscSettings, description="PC/SC reader.")
    simulated: SimulatedSettings = Field(default_factory=SimulatedSettings, description="Simulated reader.")
