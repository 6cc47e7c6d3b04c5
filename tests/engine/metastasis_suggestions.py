"""What a card suggests for neck pain with a bone metastasis (variant 5), whose radiographs (72040) are Usually Not
Appropriate: MRI without and with contrast, MRI without, CT with contrast, CT without, PET/CT, less what the chart
rules out (policy §6). The contraindication tests add one piece of evidence and see what is left."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, order_json, patient
from tests.conftest import TODAY

ACUTE = "2026-11-10"
MRI = frozenset({"mr-cspine-wow", "mr-cspine-wo"})


def suggestions(engine: Any, *extra: dict[str, Any], reason: str | None = None) -> set[str]:
    """The suggested procedures' ids for the variant 5 chart with `extra` resources and the order's `reason`."""
    chart = [patient(), condition("C79.51"), condition("M54.2", onset=ACUTE), *extra]
    draft = order_json("72040")
    if reason:
        draft["reasonCode"] = [{"text": reason}]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    assert decision.outcome.value == "not-appropriate"
    return {a.procedure.id for a in decision.alternatives}


def problem(text: str) -> dict[str, Any]:
    """A problem-list entry in words only."""
    entry = condition("M54.2")
    entry["code"] = {"text": text}
    return entry
