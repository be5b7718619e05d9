"""Config sections of technician mode and the audit trail: `[technician]`, `[audit]`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TechnicianSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin_hash: str = Field(
        default="",
        description="argon2id hash of the technician PIN (`run_kiosk.py tech hash-pin`); empty = no PIN login",
    )
    badge_uid_hashes: list[str] = Field(
        default_factory=list,
        description="argon2id hashes of allowed badge UIDs (`run_kiosk.py tech hash-badge`)",
    )
    max_tries: int = Field(default=5, ge=1, le=20, description="wrong tries before the login locks")
    lockout_minutes: float = Field(default=5.0, gt=0, le=1440, description="how long a lockout lasts")
    idle_minutes: float = Field(default=10.0, gt=0, le=240, description="a technician session ends after this idle time")
    lockout_state_path: str = Field(
        default="var/technician-lockout.json",
        description="the login's failed tries and running lockout, kept across restarts (relative to the config file)",
    )
    export_dir: str = Field(
        default="/media/kiosk-usb",
        description="default directory (removable drive) offered for exports and bundle installs",
    )

    @field_validator("pin_hash", "badge_uid_hashes")
    @classmethod
    def _argon2_only(cls, value: str | list[str]) -> str | list[str]:
        for item in [value] if isinstance(value, str) else value:
            if item and not item.startswith("$argon2"):
                raise ValueError("must be an argon2 hash (run `run_kiosk.py tech hash-pin`), never the secret itself")
        return value


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db_path: str = Field(
        default="var/audit.sqlite3", description="the hash-chained audit trail (SQLite), relative to the config file"
    )
