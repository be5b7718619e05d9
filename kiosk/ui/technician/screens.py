"""The technician screens: devices, queue, catalog, recent events. No citizen data anywhere."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from kiosk.ui.technician.base import TechnicianScreen, format_age
from kiosk.ui.widgets.plain import PlainButton, PlainLabel, PlainStatic, PlainTable


class DevicesScreen(TechnicianScreen):
    """State, since when, paper and detail per device; test buttons."""

    NAME = "devices"
    REFRESH_S = 2.0

    def compose_body(self) -> ComposeResult:
        yield PlainTable(id="devices-table", cursor_type="none", zebra_stripes=True)
        with Horizontal(classes="tech-actions"):
            yield PlainButton(self.t("devices.test_card"), id="test-card")
            yield PlainButton(self.t("devices.test_camera"), id="test-camera")
            yield PlainButton(self.t("devices.test_printer"), id="test-printer")
            yield PlainButton(self.t("devices.probe"), id="probe")

    def on_mount(self) -> None:
        table = self.query_one("#devices-table", DataTable)
        for key in ("device", "state", "since", "paper", "detail"):
            table.add_column(self.t(f"devices.{key}"), key=key)
        super().on_mount()

    def refresh_view(self) -> None:
        table = self.query_one("#devices-table", DataTable)
        table.clear()
        for health in self.ops.devices():
            since = dt.datetime.fromtimestamp(health.since, dt.UTC).strftime("%m-%d %H:%M:%S")
            paper = health.paper.value if health.paper is not None else "-"
            table.add_row(health.device, health.state.value, since, paper, health.detail[:60], key=health.device)

    def on_action_button(self, button: str) -> None:
        actions = {
            "test-card": lambda: self.ops.test_card().line,
            "test-camera": lambda: self.ops.test_camera().line,
            "test-printer": lambda: self.ops.test_printer().line,
            "probe": lambda: ", ".join(f"{h.device} {h.state.value}" for h in self.ops.reprobe()),
        }
        if button in actions:
            self.run_blocking(actions[button])


class QueueScreen(TechnicianScreen):
    """Counts per state, oldest pending age, quarantine reason codes; retry; sealed export."""

    NAME = "queue"
    REFRESH_S = 5.0

    def compose_body(self) -> ComposeResult:
        yield PlainTable(id="queue-table", cursor_type="none")
        yield PlainStatic("", id="queue-oldest")
        yield PlainStatic("", id="queue-reasons")
        yield PlainLabel(self.t("queue.directory"))
        yield Input(self.ops.export_dir, id="export-dir")
        with Horizontal(classes="tech-actions"):
            yield PlainButton(self.t("queue.retry"), id="retry")
            yield PlainButton(self.t("queue.export"), id="export")

    def on_mount(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        table.add_column(self.t("queue.state"), key="state")
        table.add_column(self.t("queue.count"), key="count")
        super().on_mount()

    def refresh_view(self) -> None:
        counts = self.ops.queue_counts()
        table = self.query_one("#queue-table", DataTable)
        table.clear()
        for state in ("pending", "in_flight", "delivered", "quarantined"):
            table.add_row(self.t(f"queue.state_{state}"), str(getattr(counts, state)))
        self.query_one("#queue-oldest", Static).update(
            self.t("queue.oldest", age=format_age(counts.oldest_pending_age_s, self.lang))
        )
        reasons = ", ".join(f"{code}: {n}" for code, n in sorted(counts.quarantine_reasons.items()))
        self.query_one("#queue-reasons", Static).update(self.t("queue.reasons", reasons=reasons or self.t("common.none")))

    def on_action_button(self, button: str) -> None:
        if button == "retry":
            self.run_blocking(lambda: self.t("queue.retried", count=self.ops.retry_all()))
        elif button == "export":
            directory = self.query_one("#export-dir", Input).value.strip()

            def export() -> str:
                count, path = self.ops.export_sealed(directory)
                return self.t("queue.exported", count=count, path=str(path))

            self.run_blocking(export)


class CatalogScreen(TechnicianScreen):
    """Active and staged catalog versions and dates (an expired one said so); install signed
    bundles from a drive."""

    NAME = "catalog"

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("", id="catalog-active")
        yield PlainStatic("", id="catalog-staged")
        yield PlainLabel(self.t("catalog.directory"))
        yield Input(self.ops.export_dir, id="bundle-dir")
        with Horizontal(classes="tech-actions"):
            yield PlainButton(self.t("catalog.install"), id="install")

    def refresh_view(self) -> None:
        view = self.ops.catalog_view()
        none = self.t("common.none")
        if view.active_version is None:
            active = self.t("catalog.no_active")
        elif view.active_expired:  # say why the citizens see no services
            active = self.t("catalog.expired", version=view.active_version, expires=view.active_expires_at)
        else:
            active = self.t("catalog.active", version=view.active_version, effective=view.active_effective_from,
                            expires=view.active_expires_at or none)
        staged = (
            self.t("catalog.staged", version=view.staged_version, effective=view.staged_effective_from)
            if view.staged_version is not None
            else self.t("catalog.no_staged")
        )
        self.query_one("#catalog-active", Static).update(active)
        self.query_one("#catalog-staged", Static).update(staged)

    def on_action_button(self, button: str) -> None:
        if button != "install":
            return
        directory = self.query_one("#bundle-dir", Input).value.strip()

        def install() -> str:
            results = self.ops.install_bundles(directory)
            if not results:
                return self.t("catalog.nothing")
            return "\n".join(self.t("catalog.result", file=r.file, outcome=r.outcome) for r in results)

        self.run_blocking(install)


class EventsScreen(TechnicianScreen):
    """The newest audit records (technician, admin and system actions)."""

    NAME = "events"
    REFRESH_S = 5.0

    def compose_body(self) -> ComposeResult:
        yield PlainTable(id="events-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#events-table", DataTable)
        for key in ("seq", "time", "actor", "action", "detail"):
            table.add_column(self.t(f"events.{key}"), key=key)
        super().on_mount()

    def refresh_view(self) -> None:
        table = self.query_one("#events-table", DataTable)
        table.clear()
        for record in self.ops.recent_events():
            detail = " ".join(f"{k}={v}" for k, v in sorted(record.detail.items()))
            table.add_row(str(record.seq), record.time[:19].replace("T", " "), record.actor, record.action, detail[:70])


SCREENS: dict[str, type[TechnicianScreen]] = {
    "devices": DevicesScreen,
    "queue": QueueScreen,
    "catalog": CatalogScreen,
    "events": EventsScreen,
}
