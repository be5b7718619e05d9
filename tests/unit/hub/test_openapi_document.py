"""docs/openapi.json is generated from the app and must match it."""

from __future__ import annotations

from hub.openapi import DEFAULT_PATH, render


def test_committed_openapi_document_is_up_to_date():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render(), (
        "docs/openapi.json is stale: run `python -m hub.openapi`"
    )


def test_document_covers_the_whole_contract():
    import json

    doc = json.loads(render())
    expected = {
        ("put", "/v1/submissions/{submission_id}/attachments/{sha256}"): {"200", "201", "400", "401", "403", "413"},
        ("put", "/v1/submissions/{submission_id}"): {"200", "201", "401", "403", "409", "413", "422"},
        ("get", "/v1/submissions/{submission_id}"): {"200", "401", "403", "404"},
        ("get", "/v1/catalog"): {"200", "304", "401", "403", "404"},
        ("put", "/v1/catalog/{region}"): {"201", "400", "401", "403", "409"},
        ("post", "/v1/kiosks/{kiosk_id}/heartbeat"): {"204", "401", "403"},
        ("post", "/v1/kiosks/{kiosk_id}/help"): {"202", "401", "403", "422"},
    }
    for (method, path), codes in expected.items():
        assert codes <= set(doc["paths"][path][method]["responses"]), (method, path)
    assert {"SubmissionIn", "HelpRequest"} <= set(doc["components"]["schemas"])
    assert not [p for p in doc["paths"] if p.startswith("/console")]  # pages, not the contract
    assert "openapi-document-only" not in json.dumps(doc)
