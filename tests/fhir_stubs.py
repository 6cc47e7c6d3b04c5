"""A FHIR server stubbed with `responses`, answering the service's reads and searches from a chart."""

from __future__ import annotations

import re
from typing import Any

from responses import RequestsMock, matchers

from tests.hook_requests import searchset

FHIR = "https://fhir.example.org/r4"


def serve_chart(
    rsps: RequestsMock | Any,
    resources: list[dict[str, Any]],
    *,
    token: str | None = None,
    page_size: int | None = None,
) -> None:
    """Register FHIR endpoints answering the service's searches from `resources`."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    match = [matchers.header_matcher({"Authorization": f"Bearer {token}"})] if token else []
    rsps.get(f"{FHIR}/Patient/pat-1", json=by_type.get("Patient", [{}])[0], match=match)
    for kind in ("Condition", "Observation", "Procedure", "AllergyIntolerance", "Device"):
        items = by_type.get(kind, [])
        if page_size and len(items) > page_size:
            pages = [items[i : i + page_size] for i in range(0, len(items), page_size)]
            for n, page in enumerate(pages):
                nxt = f"{FHIR}/{kind}-page?n={n + 1}" if n + 1 < len(pages) else None
                url = re.compile(rf"{re.escape(FHIR)}/{kind}\?.*") if n == 0 else f"{FHIR}/{kind}-page?n={n}"
                rsps.get(url, json=searchset(page, nxt), match=match)
        else:
            rsps.get(re.compile(rf"{re.escape(FHIR)}/{kind}\?.*"), json=searchset(items), match=match)
