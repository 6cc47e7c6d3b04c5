"""The README's examples stay true: the curl request gives a warning suggesting MRI without contrast."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_readme_curl_example_warns_and_suggests_mri_without_contrast(client):
    body = json.loads((EXAMPLES / "order-select-radiculopathy-ct.json").read_text())
    response = client.post("/cds-services/cspine-auc-select", json=body)
    (card,) = response.json["cards"]
    assert card["indicator"] == "warning"
    suggestion = card["suggestions"][0]
    assert suggestion["isRecommended"] is True
    assert suggestion["actions"][0]["resource"]["code"]["coding"][0]["code"] == "72141"


def test_readme_quotes_the_example_summary(client):
    body = json.loads((EXAMPLES / "order-select-radiculopathy-ct.json").read_text())
    summary = client.post("/cds-services/cspine-auc-select", json=body).json["cards"][0]["summary"]
    readme = " ".join((EXAMPLES.parent / "README.md").read_text().split())
    assert summary in readme
