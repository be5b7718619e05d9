"""The service catalog as the station uses it: which services it offers and what each asks for.

The model and its validator are wire content and live in `offline_queue.catalog_schema`, so
the admin's tools, the hub and the station judge a catalog by one definition; the station's
code names them from here.
"""

from offline_queue.catalog_schema import (
    Catalog,
    FieldType,
    FormField,
    Promise,
    Service,
    validate_catalog,
)

__all__ = [
    "Catalog",
    "FieldType",
    "FormField",
    "Promise",
    "Service",
    "validate_catalog",
]
