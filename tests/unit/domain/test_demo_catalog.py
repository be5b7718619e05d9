import json
from importlib import resources

from kiosk.domain.catalog import FieldType, validate_catalog
from kiosk.demo.catalogs import load_demo_catalog


def test_demo_catalog_is_valid_and_rich_enough():
    data = json.loads(resources.files("kiosk.demo").joinpath("catalog.json").read_text("utf-8"))
    assert validate_catalog(data) == []
    catalog = load_demo_catalog()
    assert catalog.region == "440105" and catalog.version == 1
    assert len(catalog.services) >= 8
    fields = [f for s in catalog.services for f in s.fields]
    assert any(f.prefill for f in fields) and any(f.type is FieldType.CHOICE for f in fields)
    kinds = {d.kind for s in catalog.services for d in s.documents}
    assert kinds == {"a4", "id1", "passport", "booklet"}


def test_every_service_speaks_three_languages():
    for service in load_demo_catalog().services:
        texts = [service.name, service.description, service.department]
        texts += [f.label for f in service.fields] + [d.label for d in service.documents]
        texts += [c.label for f in service.fields for c in f.choices]
        assert all(t.zh_hant and t.en for t in texts), service.code
