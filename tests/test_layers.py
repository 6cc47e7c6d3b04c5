"""The layers of architecture.md: the clinical engine, the CDS Hooks protocol and the hook pipeline import no web
framework (and the engine no HTTP client), so each can be used and tested on its own."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("cds_service.engine", ("flask", "werkzeug", "requests")),
        ("cds_service.cdshooks.request", ("flask", "werkzeug", "requests")),
        ("cds_service.cdshooks.feedback", ("flask", "werkzeug", "requests")),
        ("cds_service.cdshooks.discovery", ("flask", "werkzeug", "requests")),
        ("cds_service.cards.builder", ("flask", "werkzeug", "requests")),
        ("cds_service.hooks", ("flask", "werkzeug")),
    ],
)
def test_a_layer_imports_no_framework(module, forbidden):
    probe = f"import sys, {module}; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()}"
