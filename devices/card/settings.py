"""The `[card]` section of config.toml: which identity reader backend(s), and their knobs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from devices.backend_table import known_backend
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


def _known(name: str) -> str:
    from devices.card.factory import BACKENDS  # the table imports this module for its types

    return known_backend("card", name, BACKENDS)


class CardSettings(BaseModel):
    """Which identity sources the station uses, and each backend's settings."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field(
        "simulated", description="One reader: simulated | ga467 (resident ID cards) | pcsc (passports, badges)."
    )
    backends: list[str] | None = Field(
        None,
        description='Several readers at once, in order, e.g. ["ga467", "pcsc"]; replaces `backend`.',
    )
    ga467: Ga467Settings = Field(default_factory=Ga467Settings, description="GA 467 serial reader.")
    pcsc: PcscSettings = Field(default_factory=PcscSettings, description="PC/SC reader.")
    simulated: SimulatedSettings = Field(default_factory=SimulatedSettings, description="Simulated reader.")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        return _known(value)

    @field_validator("backends")
    @classmethod
    def _known_backends(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value or len(set(value)) != len(value):
            raise ValueError("list one or more different backends")
        return [_known(name) for name in value]

    @model_validator(mode="after")
    def _one_way(self) -> CardSettings:
        if self.backends is not None and "backend" in self.model_fields_set:
            raise ValueError("set either backend or backends, not both")
        return self

    def backend_names(self) -> list[str]:
        """The readers to run, in order: `backends`, or `backend` as a list of one."""
        return list(self.backends) if self.backends is not None else [self.backend]
