"""The services and the discovery document: one service per hook (distinct ids, as the sandbox needs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_service.cdshooks.configuration import OPTIONS_EXTENSION, CallOptions, advertised_options
from cds_service.knowledge.model import Knowledge

CDS_HOOKS_VERSION = "2.0.1"  # the specification this service implements (3.0 ballot: discovery `version`)

USAGE = (
    "Reads Patient, Condition, Observation (temperature, CRP, ESR, WBC, eGFR), Procedure, AllergyIntolerance "
    "and Device for the patient, from prefetch or from fhirServer (read access needed when prefetch is "
    "absent). Draft imaging orders as R4 ServiceRequest coded in CPT, LOINC, RadLex Playbook or SNOMED CT."
)


@dataclass(frozen=True)
class ServiceDefinition:
    id: str
    hook: str
    title: str
    description: str


def services(k: Knowledge) -> tuple[ServiceDefinition, ...]:
    what = (
        f"Rates cervical-spine and neck imaging orders against the {k.topic.title} (revised {k.topic.revised}). "
        "Infers the ACR variant from the chart; warns with a one-click alternative only when the study is "
        "Usually Not Appropriate for every scenario the chart leaves possible."
    )
    return (
        ServiceDefinition(
            "cspine-auc-select",
            "order-select",
            "Cervical spine imaging appropriateness (ACR)",
            what + " Rates the selected orders.",
        ),
        ServiceDefinition(
            "cspine-auc-sign",
            "order-sign",
            "Cervical spine imaging appropriateness (ACR), at signing",
            what + " Rates every draft imaging order.",
        ),
    )


def discovery_document(
    definitions: tuple[ServiceDefinition, ...], prefetch: Mapping[str, str], defaults: CallOptions
) -> dict[str, Any]:
    """Each service with its prefetch, the CDS Hooks version it implements and the options a call may set (with
    this deployment's defaults)."""
    return {
        "services": [
            {
                "hook": d.hook,
                "id": d.id,
                "title": d.title,
                "description": d.description,
                "version": CDS_HOOKS_VERSION,
                "prefetch": dict(prefetch),
                "usageRequirements": USAGE,
                "extension": {OPTIONS_EXTENSION: advertised_options(defaults)},
            }
            for d in definitions
        ]
    }
