"""Fleet monitoring: the station's health in Prometheus text format (exposition 0.0.4).

Written to a file after every probe round (temp file + fsync + rename, so node_exporter's
textfile collector never reads half a file) and, optionally, served on a loopback-only
HTTP endpoint. Only counts, states and versions: nothing about any citizen.
"""

from __future__ import annotations

import http.server
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from devices.printer.base import PaperState
from kiosk.domain.catalog import Service
from kiosk.health.supervisor import DeviceState, Supervisor
from offline_queue.api import QueueCounts, RecordState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            rendered = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class StationMetrics:
    """Collects the station's figures from the supervisor and the optional sources."""

    def __init__(
        self,
        supervisor: Supervisor,
        *,
        queue_counts: Callable[[], QueueCounts] | None = None,
        catalog_version: Callable[[], int | None] | None = None,
        services: Callable[[], Iterable[Service]] | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._queue_counts = queue_counts
        self._catalog_version = catalog_version
        self._services = services

    def render(self) -> str:
        out = _Out()
        healths = self._supervisor.all_health()
        out.metric(
            "kiosk_device_state",
            "gauge",
            "1 for the device's current state (ok, degraded, down, unknown), 0 for the others.",
            (({"device": h.device, "state": s.value}, float(h.state is s)) for h in healths for s in DeviceState),
        )
        out.metric(
            "kiosk_device_state_since_seconds",
            "gauge",
            "Unix time of the device's last state change.",
            (({"device": h.device}, h.since) for h in healths),
        )
        paper = [h for h in healths if h.paper is not None]
        out.metric(
            "kiosk_printer_paper",
            "gauge",
            "1 for the printer's paper level (ok, low, out), 0 for the others.",
            (({"level": p.value}, float(h.paper is p)) for h in paper for p in PaperState),
        )
        if self._queue_counts is not None:
            counts = self._queue_counts()
            out.metric(
                "kiosk_queue_records",
                "gauge",
                "Submissions in the local outbox by state.",
                (({"state": s.value}, float(getattr(counts, s.value))) for s in RecordState),
            )
            out.metric(
                "kiosk_queue_oldest_pending_age_seconds",
                "gauge",
                "Age of the oldest undelivered submission (0 when none).",
                [({}, counts.oldest_pending_age_s or 0.0)],
            )
            out.metric(
                "kiosk_queue_quarantined_by_reason",
                "gauge",
                "Quarantined submissions by reason code.",
                (({"reason": r}, float(n)) for r, n in sorted(counts.quarantine_reasons.items())),
            )
        if self._catalog_version is not None:
            version = self._catalog_version()
            out.metric(
                "kiosk_catalog_version",
                "gauge",
                "Version of the active service catalog (0 when none is installed).",
                [({}, float(version or 0))],
            )
        if self._services is not None:
            services = list(self._services())
            available = sum(self._supervisor.available(s) for s in services)
            out.metric(
                "kiosk_services",
                "gauge",
                "Catalog services, offered or disabled by a missing device.",
                [({"status": "offered"}, float(available)), ({"status": "disabled"}, float(len(services) - available))],
            )
        out.metric("kiosk_uptime_seconds", "gauge", "Seconds since the station process started.",
                   [({}, round(self._supervisor.uptime_s(), 3))])
        return out.text()


def write_atomically(path: Path, text: str) -> None:
    """Write via a temp file in the same directory, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class MetricsServer:
    """`GET /metrics` on a loopback address, on its own daemon thread."""

    def __init__(self, metrics: StationMetrics, port: int, host: str = "127.0.0.1") -> None:
        render = metrics.render

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                body = render().encode()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # scrapes are not news
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        self._server = Server((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
