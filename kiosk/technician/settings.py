"""Config sections of technician mode and the audit trail: `[technician]`, `[audit]`."""

from __future__ import annotations

from pathlib import PurePosixPath

from argon2 import Type, extract_parameters, profiles
from argon2.exceptions import InvalidHashError
from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The weakest hash accepted: argon2-cffi's RFC 9106 "low memory" profile (argon2id, 64 MiB,
#: 3 passes), which is also what `run_kiosk.py tech hash-pin` makes. A badge UID has little
#: entropy, so a cheap hash of it in a copied config would be brute-forced in minutes.
WEAKEST_HASH = profiles.RFC_9106_LOW_MEMORY

#: Folders an export or a bundle install may never be pointed at (the system's own files).
SYSTEM_PATHS = tuple(PurePosixPath(p) for p in ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
                                                "/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var/lib", "/var/log"))


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
    lockout_minutes: float = Field(default=5.0, ge=1, le=1440, description="how long a lockout lasts")
    idle_minutes: float = Field(default=10.0, ge=1, le=240, description="a technician session ends after this idle time")
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
            if item:
                _strong_argon2(item)
        return value

    @field_validator("export_dir")
    @classmethod
    def _outside_system_paths(cls, value: str) -> str:
        path = PurePosixPath(value)
        if not path.is_absolute() or ".." in path.parts:
            raise ValueError("must be an absolute path without '..' (the removable drive's mount point)")
        for system in SYSTEM_PATHS:
            if path == system or (system != PurePosixPath("/") and system in path.parents):
                raise ValueError(f"must not be inside {system} (a system folder); use e.g. /media/kiosk-usb")
        return value


def _strong_argon2(encoded: str) -> None:
    if not encoded.startswith("$argon2"):
        raise ValueError("must be an argon2 hash (run `run_kiosk.py tech hash-pin`), never the secret itself")
    try:
        params = extract_parameters(encoded)
    except InvalidHashError:
        raise ValueError("is not a readable argon2 hash (run `run_kiosk.py tech hash-pin` again)") from None
    if (
        params.type is not Type.ID
        or params.memory_cost < WEAKEST_HASH.memory_cost
        or params.time_cost < WEAKEST_HASH.time_cost
    ):
        raise ValueError(
            f"is weaker than argon2id m={WEAKEST_HASH.memory_cost},t={WEAKEST_HASH.time_cost} (RFC 9106 low memory); "
            "make it again with `run_kiosk.py tech hash-pin` / `tech hash-badge`"
        )


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    db_path: str = Field(
        default="var/audit.sqlite3", description="the hash-chained audit trail (SQLite), relative to the config file"
    )
