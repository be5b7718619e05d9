"""The smallest valid service, for tests whose subject is not the catalog's content."""

from __future__ import annotations


def service(code: str = "HK-001") -> dict:
    """A service every validator accepts (catalog_schema): names, department, a city, an ID."""
    return {
        "code": code,
        "name": {"zh-Hans": "户口迁移", "en": "Hukou 户口"},
        "description": {"zh-Hans": "户口迁入迁出"},
        "department": {"zh-Hans": "公安局"},
        "cities": ["guangzhou"],
        "identity_documents": ["resident_id"],
        "promise": {"working_days": 5},
    }
