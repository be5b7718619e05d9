"""The composition root: the ONE place that reads config and builds the station's parts.

Nothing else constructs a backend, an outbox, an audit trail or a daemon from configuration:
the CLI commands and the TUI ask these modules for what they need.
- `parts`: one part at a time (card reader, camera, printer, outbox, audit trail, catalog).
- `technician`: the supervisor, metrics, login gate and technician tools, wired together.
- `station`: everything the citizen UI runs on (`build_station`), `run_station`, `run_demo`.
- `sync`: the sync daemon.
- `doctor`: the self-checks of `run_kiosk.py doctor`.
"""
