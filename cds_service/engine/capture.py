"""Asking for the indication (policy §9): when an order states no reason and the chart holds no indication, the
rating the order would get with each coded reason the capture card offers, from the same engine on the same chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.model import Decision
from cds_service.knowledge.model import Context, Effect, FindingDefinition, Knowledge, Role, SuggestedCoding


@dataclass(frozen=True)
class CaptureChoice:
    """One reason the clinician may add, and the decision the order would then get."""

    finding: FindingDefinition
    reason: SuggestedCoding
    decision: Decision


def indication_missing(order: ServiceRequest, decision: Decision, k: Knowledge) -> bool:
    """The order gives no reason (coded, words or reference; any reason, even one this topic does not rate, is the
    clinician's; a reason of blanks is none), its own words name no indication in any context, and the chart holds
    none that counts: a resolved or refuted one does not, nor one whose status cannot be read (policy §10: it does
    not count for an indication), nor another draft's reason (policy §2 counts the order's own). A whole-body or
    level-less study is left alone (it is rated only for a neck reason the order states)."""
    if decision.match is None or decision.match.needs_neck_reason:
        return False
    if any(_stated(reason) for reason in order.reasonCode or ()) or order.reasonReference:
        return False
    for mention in decision.mentions:
        concept = k.findings.get(mention.concept)
        if concept is None or concept.role is not Role.INDICATION or mention.sibling:
            continue
        if mention.order_reason:
            return False
        if mention.context is not Context.UNKNOWN and concept.effect(mention.context) is not Effect.IGNORE:
            return False
    return True


def _stated(reason: CodeableConcept) -> bool:
    """Whether a reasonCode says anything: words that are not blanks, or a coding with anything in it (one this
    service cannot read is still the clinician's reason)."""
    if reason.text and reason.text.strip():
        return True
    return any(any(str(v).strip() for v in (c.system, c.code, c.display) if v) for c in reason.coding or ())


def reason_choices(k: Knowledge) -> tuple[FindingDefinition, ...]:
    """The indications the card offers: every indication finding with a representative coding, in file order."""
    return tuple(f for f in k.findings.values() if f.role is Role.INDICATION and f.representative is not None)


def with_reason(order: ServiceRequest, reason: SuggestedCoding) -> ServiceRequest:
    """The order with this one coded reason (the order has none: that is when the card is offered)."""
    coding = {"system": reason.system, "code": reason.code, "display": reason.display}
    concept = CodeableConcept.model_validate({"coding": [coding], "text": reason.display})
    return order.model_copy(update={"reasonCode": [concept]})


def capture_choices(
    order: ServiceRequest,
    decision: Decision,
    k: Knowledge,
    evaluate: Callable[[ServiceRequest], Decision],
) -> tuple[CaptureChoice, ...]:
    """The choices for this order (none when it is not missing an indication); a choice that would still give no
    rating (data that cannot be read) is left out, so every choice carries a rating."""
    if not indication_missing(order, decision, k):
        return ()
    choices = []
    for finding in reason_choices(k):
        reason = finding.representative
        assert reason is not None
        outcome = evaluate(with_reason(order, reason))
        if outcome.outcome.pama_rating is not None:
            choices.append(CaptureChoice(finding, reason, outcome))
    return tuple(choices)
