"""Shared fixtures: the knowledge base (loaded once), an engine, and a one-call evaluator."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cds_service.engine import Decision, Engine
from cds_service.engine.text.reader import TextReader
from cds_service.knowledge import Knowledge, load_knowledge
from tests.builders import order

FIXTURES = Path(__file__).parent / "fixtures"
# The normative ACR document lives in ../shared/reference (beside the repository); CDS_REFERENCE_DIR
# points elsewhere.
REFERENCE = Path(os.environ.get("CDS_REFERENCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "reference")
TODAY = date(2026, 11, 21)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that stop the shared HAPI FHIR server run last."""
    items.sort(key=lambda item: item.get_closest_marker("stops_hapi") is not None)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def engine(knowledge: Knowledge) -> Engine:
    return Engine(knowledge)


@pytest.fixture(scope="session")
def text_reader(knowledge: Knowledge) -> TextReader:
    return TextReader(knowledge)


@pytest.fixture
def evaluate(engine: Engine) -> Callable[..., Decision]:
    """evaluate(chart_resources, code=..., system=..., **order_kwargs) -> the Decision for one order."""

    def run(resources: list[dict[str, Any]], code: str = "72141", system: str = "cpt", **kwargs: Any) -> Decision:
        (decision,) = engine.evaluate([order(code, system, **kwargs)], resources, today=TODAY)
        return decision

    return run


def load_chart(name: str) -> list[dict[str, Any]]:
    """The resources of a fixture Bundle under tests/fixtures/charts/."""
    bundle = json.loads((FIXTURES / "charts" / f"{name}.json").read_text(encoding="utf-8"))
    return [entry["resource"] for entry in bundle["entry"]]
