"""The demo: a whole station on one machine (`run_kiosk.py demo`, `make run`).

Never on the production path: the composition root reaches in here only when
`[session] demo = true` or the `demo` command runs.
- `processes`: the reference hub and the sync daemon as child processes, the demo catalog published.
- `catalogs`: the bundled demo catalog.
- `controls`: buttons that tap a sample card or lay a sample document on the simulated devices.
"""
