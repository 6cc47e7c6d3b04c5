"""Build the cards and systemActions for one decision (policy §7)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cds_service.cards.capture_text import CAPTURE_SUMMARY, capture_detail, choice_label
from cds_service.cards.rating import rating_extensions, with_rating
from cds_service.cards.text import detail_markdown, no_rating_summary, summary_for
from cds_service.cdshooks.configuration import CallOptions
from cds_service.config import Settings
from cds_service.engine.capture import CaptureChoice
from cds_service.engine.model import Alternative, Decision, Finding, Outcome
from cds_service.knowledge.model import Category, Knowledge, Procedure, Role, SuggestedCoding
from cds_service.store.records import SuggestedRating

MAX_SUGGESTIONS = 3
NON_ADHERENCE = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"  # CDS Hooks 3.0 (STU)
# (system or None for this service's own code system, code, display): the CDS Hooks 3.0 non-adherence codes
# where one fits; ours where none does.
OVERRIDE_REASONS = (
    (None, "clinical-detail-not-in-chart", "Red flag or clinical detail not captured in the chart"),
    (NON_ADHERENCE, "patient-contraindication", "Patient has contraindication to recommended action"),
    (NON_ADHERENCE, "action-unsuccessful", "Recommended action was previously unsuccessful"),
    (NON_ADHERENCE, "expert-contradicts", "Advice from expert contradicts the recommended action"),
    (NON_ADHERENCE, "prefers-alternative", "Patient prefers an alternative approach or treatment"),
)


@dataclass
class CardResult:
    """What one decision adds to the response, and what the audit trail keeps of it."""

    cards: list[dict[str, Any]] = field(default_factory=list)
    system_actions: list[dict[str, Any]] = field(default_factory=list)
    card_ids: list[str] = field(default_factory=list)
    suggestion_ids: list[str] = field(default_factory=list)
    suggested: list[SuggestedRating] = field(default_factory=list)  # the rating each suggestion carries

    def add_suggestion(self, suggestion: dict[str, Any], rated: SuggestedRating) -> None:
        """A card's suggestion, and what the audit trail keeps of the rating it carries."""
        self.suggestion_ids.append(suggestion["uuid"])
        self.suggested.append(rated)


class CardBuilder:
    """Turns decisions into CDS Hooks 2.0 card JSON; omits every optional field that has no value."""

    def __init__(self, knowledge: Knowledge, settings: Settings) -> None:
        self.k = knowledge
        self.settings = settings
        base = settings.code_system_base
        self.category_system = f"{base}:acr-appropriateness-category"
        self.topic_system = f"{base}:acr-topic"
        self.override_system = f"{base}:override-reason"

    @property
    def override_reasons(self) -> frozenset[tuple[str, str]]:
        """The (system, code) of every override reason a card of this service offers."""
        return frozenset((system or self.override_system, code) for system, code, _ in OVERRIDE_REASONS)

    def build(
        self,
        decision: Decision,
        order: dict[str, Any],
        consult_id: str,
        options: CallOptions,
        choices: tuple[CaptureChoice, ...] = (),
    ) -> CardResult:
        """The rating systemAction and the card for one decision, as `options` allow (shadow: no card);
        `choices`: the capture card's, when the order is missing its indication (policy §9). A draft without an id
        gets no action (an update names the draft it changes by its id): its card, if any, has no suggestions."""
        result = CardResult()
        order = self._rendered(order, decision)
        rating = decision.outcome.pama_rating
        targetable = bool(order.get("id"))
        if rating is not None and options.rating_actions and targetable:
            result.system_actions.append(
                {
                    "type": "update",
                    "description": "Attach the ACR appropriateness rating to the draft order",
                    "resource": with_rating(order, self._rating(rating, decision.category, consult_id)),
                }
            )
        if options.shadow:
            return result
        card = self._capture_card(decision, order, choices, result) if choices and targetable else None
        card = card or self._card(decision, order, options, result, targetable)
        if card is not None:
            result.cards.append(card)
            result.card_ids.append(card["uuid"])
        return result

    def _card(
        self, decision: Decision, order: dict[str, Any], options: CallOptions, result: CardResult, targetable: bool
    ) -> dict[str, Any] | None:
        outcome = decision.outcome
        if outcome is Outcome.NOT_APPROPRIATE:
            indicator = "warning"
        elif outcome is Outcome.APPROPRIATE and decision.better_alternative and options.better_alternative_card:
            indicator = "info"
        elif outcome is Outcome.NO_CRITERIA_APPLY and options.no_rating_card:
            return self._plain_card(decision, no_rating_summary(decision))
        elif outcome is Outcome.INSUFFICIENT_DATA and options.insufficient_data_card:
            return self._plain_card(decision, "No ACR rating: record the indication (neck pain, radiculopathy, …)")
        else:
            return None
        card = self._base_card(decision, summary_for(decision), indicator)
        reasons = reason_codes(order, decision, self.k)
        alternatives = decision.alternatives[:MAX_SUGGESTIONS] if targetable else ()
        suggestions = []
        for i, alternative in enumerate(alternatives):
            made = self._suggestion(alternative, i == 0, order, reasons, card["uuid"])
            if made is not None:
                suggestions.append(made[0])
                result.add_suggestion(*made)
        if suggestions:
            card["selectionBehavior"] = "at-most-one"
            card["suggestions"] = suggestions
        card["overrideReasons"] = [
            {"system": system or self.override_system, "code": code, "display": display}
            for system, code, display in OVERRIDE_REASONS
        ]
        return card

    def _capture_card(
        self, decision: Decision, order: dict[str, Any], choices: tuple[CaptureChoice, ...], result: CardResult
    ) -> dict[str, Any]:
        """Policy §9: one suggestion per coded reason, each the draft with that reason and the rating it gives."""
        ordered = " / ".join(p.name for p in decision.match.procedures) if decision.match else "The ordered study"
        card = self._base_card(decision, CAPTURE_SUMMARY, "info")
        card["detail"] = capture_detail(choices, ordered, self.k)
        card["selectionBehavior"] = "at-most-one"
        card["suggestions"] = []
        for choice in choices:
            suggestion, rated = self._capture_suggestion(choice, order, card["uuid"])
            card["suggestions"].append(suggestion)
            result.add_suggestion(suggestion, rated)
        return card

    def _capture_suggestion(
        self, choice: CaptureChoice, order: dict[str, Any], card_id: str
    ) -> tuple[dict[str, Any], SuggestedRating]:
        """The suggestion of one capture choice, and the rating it carries (its consult id, as the audit keeps it)."""
        decision = choice.decision
        rating = decision.outcome.pama_rating
        assert rating is not None
        consult_id = f"urn:uuid:{uuid.uuid4()}"
        resource = with_rating(order, self._rating(rating, decision.category, consult_id))
        reason = choice.reason
        resource["reasonCode"] = [
            {
                "coding": [{"system": reason.system, "code": reason.code, "display": reason.display}],
                "text": reason.display,
            }
        ]
        suggestion = {
            "label": choice_label(choice),
            "uuid": str(uuid.uuid4()),
            "actions": [
                {"type": "update", "description": f"Add the reason: {choice.finding.label}", "resource": resource}
            ],
        }
        procedures = tuple(p.id for p in decision.match.procedures) if decision.match else ()
        category = decision.worst_category
        code = category.code if category else None
        rated = SuggestedRating(consult_id, card_id, suggestion["uuid"], procedures, rating, code, choice.finding.id)
        return suggestion, rated

    def _rendered(self, order: dict[str, Any], decision: Decision) -> dict[str, Any]:
        """The draft as sent, except that the study coding the rating is of comes first (EHRs and the sandbox read
        `code.coding[0]` as the study: a local code listed before the CPT would lose the rating) and gets a display
        if it has none (the code system's, when this service knows it, else the order's text or the study's name: for
        a code of several studies, what their names share, "MRI cervical spine", since a display naming each contrast
        would read as contradicting the code when the draft comes back). Another system's coding is never given a
        display of ours."""
        code = order.get("code")
        codings = code.get("coding") if isinstance(code, dict) else None
        if not isinstance(codings, list) or decision.match is None:
            return order
        decisive = {(c.system, c.code) for c in decision.match.codings}
        at = next(
            (i for i, c in enumerate(codings) if isinstance(c, dict) and (c.get("system"), c.get("code")) in decisive),
            None,
        )
        if at is None:
            return order
        study = codings[at]
        if not (isinstance(study.get("display"), str) and study["display"].strip()):
            known = self.k.order_codes.display_of(str(study.get("system")), str(study.get("code")))
            text = code.get("text") if isinstance(code.get("text"), str) and code["text"].strip() else None
            study = {**study, "display": known or text or _study_name(decision.match.procedures)}
        if at == 0 and study is codings[0]:
            return order
        return {**order, "code": {**code, "coding": [study, *codings[:at], *codings[at + 1 :]]}}

    def _plain_card(self, decision: Decision, summary: str) -> dict[str, Any]:
        return self._base_card(decision, summary[:139], "info")

    def _base_card(self, decision: Decision, summary: str, indicator: str) -> dict[str, Any]:
        return {
            "uuid": str(uuid.uuid4()),
            "summary": summary,
            "indicator": indicator,
            "detail": detail_markdown(decision, self.k),
            "source": self._source(),
            "links": [self._topic_link()],
        }

    def _rating(self, rating: str, category: Category | None, consult_id: str) -> list[dict[str, Any]]:
        """The Argonaut rating extensions for this service's topic and settings."""
        return rating_extensions(
            rating, category, consult_id, self.k.topic.url, self.category_system, self.settings.qcdsm_gcode
        )

    def _suggestion(
        self,
        alternative: Alternative,
        recommended: bool,
        order: dict[str, Any],
        reasons: list[dict[str, Any]],
        card_id: str,
    ) -> tuple[dict[str, Any], SuggestedRating] | None:
        """The draft with the alternative study, and the rating it carries (its consult id, as the audit keeps it);
        `reasons`: the order's reasons, each with a complete coding; `card_id`: the card it is a suggestion of."""
        coding = self._coding_for(alternative, order)
        if coding is None:
            return None
        procedure = alternative.procedure
        consult_id = f"urn:uuid:{uuid.uuid4()}"
        extensions = self._rating(alternative.worst.pama, alternative.worst, consult_id)
        swapped = with_rating(order, extensions)
        swapped["code"] = {
            "coding": [{"system": coding.system, "code": coding.code, "display": coding.display}],
            "text": procedure.name,
        }
        if reasons:
            swapped["reasonCode"] = list(reasons)
        else:
            swapped.pop("reasonCode", None)
        suggestion: dict[str, Any] = {
            "label": f"Order {procedure.name} instead"[:120],
            "uuid": str(uuid.uuid4()),
            "actions": [
                {
                    "type": "update",
                    "description": f"Replace the ordered study with {procedure.name}",
                    "resource": swapped,
                }
            ],
        }
        if recommended:
            suggestion["isRecommended"] = True
        worst = alternative.worst
        rated = SuggestedRating(consult_id, card_id, suggestion["uuid"], (procedure.id,), worst.pama, worst.code)
        return suggestion, rated

    def _coding_for(self, alternative: Alternative, order: dict[str, Any]) -> SuggestedCoding | None:
        ordered_systems = [
            self.k.systems.by_uri(c.get("system"))
            for c in (order.get("code") or {}).get("coding") or ()
            if isinstance(c, dict)
        ]
        preferred = [s.uri for s in ordered_systems if s is not None]
        preferred += [self.k.systems["cpt"].uri, self.k.systems["loinc"].uri]
        return self.k.order_codes.suggested_coding(alternative.procedure.id, tuple(dict.fromkeys(preferred)))

    def _source(self) -> dict[str, Any]:
        topic = self.k.topic
        return {
            "label": f"{topic.title} (revised {topic.revised})",
            "url": topic.url,
            "topic": {"system": self.topic_system, "code": topic.id, "display": topic.title},
        }

    def _topic_link(self) -> dict[str, Any]:
        return {
            "label": "ACR Appropriateness Criteria: topic list and documents",
            "url": self.k.topic.url,
            "type": "absolute",
        }


def reason_codes(order: dict[str, Any], decision: Decision, k: Knowledge) -> list[dict[str, Any]]:
    """The order's reasons for a suggested ServiceRequest, each with a complete first coding (system, code,
    display), as the sandbox's PAMA tab reads them. The clinician's own reasons are kept with their words: one
    without a complete coding gets the coding of the indication read in it first (a reason in which nothing could
    be read is left out: it would show as a blank reason). Without reasons on the order, the indications read in
    the chart."""
    given = [r for r in order.get("reasonCode") or () if isinstance(r, dict)]
    if given:
        return [kept for i, reason in enumerate(given) if (kept := _coded_reason(i, reason, decision, k))]
    reasons: list[dict[str, Any]] = []
    for finding in decision.findings:
        entry = _indication_coding(finding, k)
        if entry is not None and {"coding": [entry]} not in reasons:
            reasons.append({"coding": [entry]})
    return reasons


def _coded_reason(i: int, reason: dict[str, Any], decision: Decision, k: Knowledge) -> dict[str, Any] | None:
    if _complete(reason):
        return reason
    ladder = [step.finding for step in k.policy.indications]  # the one that decides the variant first: the
    read_here = sorted(  # sandbox keeps only each reason's first coding
        (f for f in decision.findings if any((e.element or "").startswith(f"reasonCode[{i}]") for e in f.evidence)),
        key=lambda f: ladder.index(f.id) if f.id in ladder else len(ladder),
    )
    codings = [c for f in read_here if (c := _indication_coding(f, k)) is not None]
    if not codings:
        return None
    unique = [c for j, c in enumerate(codings) if c not in codings[:j]]
    named = {(c["system"], c["code"]) for c in unique}  # (the sent coding of the same code, display and all, goes)
    others = [
        c for c in reason.get("coding") or () if isinstance(c, dict) and (c.get("system"), c.get("code")) not in named
    ]
    return {**reason, "coding": unique + others}


def _indication_coding(finding: Finding, k: Knowledge) -> dict[str, Any] | None:
    """An indication finding as a complete coding: its own evidence's, else the concept's representative."""
    if finding.role is not Role.INDICATION:
        return None
    coding = next((e.coding for e in finding.evidence if e.coding and e.coding.complete), None)
    typed = coding or k.findings[finding.id].representative
    if typed is None:
        return None
    return {"system": typed.system, "code": typed.code, "display": typed.display or finding.label}


def _complete(reason: Any) -> bool:
    first = (reason.get("coding") or [None])[0] if isinstance(reason, dict) else None
    return isinstance(first, dict) and all(
        isinstance(first.get(key), str) and first[key].strip() for key in ("system", "code", "display")
    )


_CONTRAST_WORDS = frozenset({"with", "without", "and", "or", "iv", "contrast"})


def _study_name(procedures: Sequence[Procedure]) -> str:
    """The name of a code's study: its one procedure's name, or the words the names of its several begin with, up to
    the first that tells their contrast apart ("MRI cervical spine without IV contrast" and "... with IV contrast":
    "MRI cervical spine"); their names joined when they share none ("Gallium scan whole body or WBC scan ...")."""
    names = [p.name.split() for p in procedures]
    shared: list[str] = []
    for words in zip(*names, strict=False):
        if len(set(words)) > 1:
            break
        shared.append(words[0])
    if len(names) > 1:
        while shared and shared[-1].lower() in _CONTRAST_WORDS:
            shared.pop()
    return " ".join(shared) or " or ".join(p.name for p in procedures)
