"""The hub's HTTP surface, one `APIRouter` per concern; thin: auth, parse, call the service.

`ROUTERS` is the order `create_app` includes them in, which is also the order of the paths in
docs/openapi.json.
"""

from hub.routes import admin, catalog, health, kiosks, submissions

ROUTERS = (submissions.router, catalog.router, kiosks.router, health.router, admin.router)
