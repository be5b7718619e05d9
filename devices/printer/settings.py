"""The `[printer]` section of the station's config.

One flat table: `backend` chooses the transport, the other keys configure it. Every I/O step
has its own bound (connect, status answer, write) so that a printer with its cover open, a
pulled cable or a dead network never hangs the station: python-escpos' own defaults are
unbounded for USB writes (timeout 0) and serial writes (no write_timeout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.backend_table import known_backend
from devices.printer.base import PrinterProfile, PrinterState, PrinterStatus


class PrinterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = Field(
        default="simulated", description="Transport: simulated, network (raw TCP 9100), usb, serial, file (/dev/usb/lp0)"
    )
    # network
    host: str = Field(default="127.0.0.1", description="network: printer host name or address")
    port: int = Field(default=9100, ge=1, le=65535, description="network: raw printing port")
    # usb
    usb_vendor_id: int = Field(default=0x0416, ge=0, le=0xFFFF, description="usb: vendor id (TOML accepts 0x0416)")
    usb_product_id: int = Field(default=0x5011, ge=0, le=0xFFFF, description="usb: product id")
    usb_in_ep: int = Field(default=0x81, ge=0x80, le=0xFF, description="usb: bulk IN endpoint (status answers)")
    usb_out_ep: int = Field(default=0x03, ge=0x01, le=0x7F, description="usb: bulk OUT endpoint (data)")
    # serial
    serial_device: str = Field(default="/dev/ttyUSB0", description="serial: device path")
    serial_baudrate: int = Field(default=9600, description="serial: baud rate")
    serial_rtscts: bool = Field(default=False, description="serial: RTS/CTS flow control instead of DSR/DTR")
    # file
    file_path: Path = Field(default=Path("/dev/usb/lp0"), description="file: device or file the job is written to")
    file_status: bool = Field(
        default=False,
        description="file: the device answers DLE EOT when read (usblp does); false = no status channel",
    )
    # time bounds
    connect_timeout_s: float = Field(default=1.0, gt=0, le=30, description="Opening the connection (TCP connect)")
    status_timeout_s: float = Field(default=0.5, gt=0, le=10, description="Waiting for one DLE EOT answer")
    write_timeout_s: float = Field(default=8.0, gt=0, le=120, description="Sending one whole receipt")
    # capability profile
    profile: str = Field(default="default", description="python-escpos capability profile (cut, native QR support)")
    width_dots: int = Field(default=384, ge=128, le=832, description="Printable width in dots: 384 (58 mm) or 576 (80 mm)")
    columns: int = Field(default=32, ge=16, le=64, description="Font A characters per line: 32 (58 mm) or 48 (80 mm)")
    gb18030: bool = Field(
        default=False,
        description="The printer has a GB18030 Chinese font: print text in its Chinese mode; false = render text as an image",
    )
    native_qr: bool = Field(default=True, description="The printer draws QR codes itself (GS ( k); false = QR as an image")
    paper_low_policy: Literal["warn", "block"] = Field(
        default="warn", description="Paper near its end: warn (keep serving, report) or block (stop new sessions)"
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from devices.printer.factory import BACKENDS  # the table imports this module for its types

        return known_backend("printer", value, BACKENDS)

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        from escpos.capabilities import CAPABILITIES

        if value not in CAPABILITIES["profiles"]:
            raise ValueError(f"unknown python-escpos profile {value!r}")
        return value

    def printer_profile(self) -> PrinterProfile:
        return PrinterProfile(
            name=self.profile,
            width_dots=self.width_dots,
            columns=self.columns,
            gb18030=self.gb18030,
            native_qr=self.native_qr,
        )

    def ready_for_session(self, status: PrinterStatus) -> bool:
        """Whether a citizen may start a session that ends with a receipt, under this policy."""
        if status.state is PrinterState.PAPER_LOW:
            return self.paper_low_policy == "warn"
        return status.state.can_print
