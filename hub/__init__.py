"""Reference implementation of the cross-city service API (SERVICE_API.md, docs/hub.md).

`hub.service.HubService` holds the rules over `hub.store` (SQLite); `hub.routes` are the HTTP
routes, one router per concern; `hub.app.create_app` wires them into a FastAPI app;
`hub.server` runs it (`serve`, `running`); `hub.settings` keeps its keys and tokens in a data
directory; `hub.cli` is `python -m hub` / `run_kiosk.py hub`; `hub.openapi` writes
docs/openapi.json.
It shares nothing with the station but the wire format and `offline_queue`'s sealing and
catalog-bundle modules.
"""
