"""Map an imaging order (ServiceRequest.code) to the ACR procedure(s) it may be (rules R1-R9)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.model import Coding, OrderMatch
from cds_service.engine.text.characters import searchable
from cds_service.knowledge.codes import CodeSets
from cds_service.knowledge.model import Context, ContextRule, Knowledge, Procedure, Regions


@dataclass(frozen=True)
class _Candidate:
    procedures: tuple[Procedure, ...]
    specificity: int
    basis: str
    coding: Coding


def order_codings(order: ServiceRequest) -> list[tuple[str, str]]:
    """(system, code) pairs of the order's code, skipping empty codings."""
    concept = order.code
    if concept is None or not concept.coding:
        return []
    return [(c.system, c.code) for c in concept.coding if c.system and c.code]


def order_text(order: ServiceRequest) -> str:
    """Lower-cased code.text and coding displays of the order."""
    return _words(order.code)


def _words(concept: CodeableConcept | None) -> str:
    """Lower-cased text and coding displays of a CodeableConcept, their marks but / & + - as spaces ("neck (soft
    tissue)" is "neck soft tissue"; "contrast material(s)" is "contrast materials")."""
    if concept is None:
        return ""
    return _read_words([concept.text] + [c.display for c in concept.coding or ()])


def _read_words(parts: list[str | None]) -> str:
    """The strings among `parts` as one lower-cased text, as `_words` reads an order's words."""
    words = searchable(" ".join(p for p in parts if p)).lower().replace("(s)", "s")
    return " ".join(_MARKS.sub(" ", words).split())


_MARKS = re.compile(r"[()\[\]{},;:\"'`*|]")


def live_draft(order: ServiceRequest, knowledge: Knowledge) -> bool:
    """Whether a hook's draft order is one being placed (statuses.yaml `ServiceRequest`: draft, active, on-hold; not
    revoked, completed, entered-in-error, unknown or a status that is no code). An export's past orders are
    completed: only the hooks ask this."""
    for element in knowledge.statuses.get("ServiceRequest", ()):
        value = getattr(order, element.element, None)
        context = element.absent if value is None else element.codes.get(value, Context.UNKNOWN)
        if context is not Context.AFFIRMED:
            return False
    return True


def match_order(order: ServiceRequest, siblings: Sequence[ServiceRequest], knowledge: Knowledge) -> OrderMatch | None:
    """The procedure set the order stands for, or None when it is not one of the topic's procedures.

    Not rated (policy §10): an order whose words or codes name another region or another study (also when they
    name the cervical spine too: a swap would drop the other region), or whose body site names another region; an
    order whose words name kinds of imaging and none of its study's ("XR CERVICAL SPINE" on an MRI's code); and a
    level-less code (e.g. "spine, single view") unless the order's words or a sibling order name the cervical spine
    and no sibling names another region.
    """
    regions = knowledge.order_codes.regions
    text = regions.neutral_words.sub(" ", order_text(order))
    pairs = order_codings(order)
    sibling_pairs = [p for s in siblings if s is not order for p in order_codings(s)]
    if regions.other_study_words.search(text) or _any_match(regions.other_codes, pairs, knowledge):
        return None
    match = _match(text, pairs, sibling_pairs, knowledge)
    if (
        match is None
        or _contradicted(order, text, match.procedures, knowledge)
        or _unread_coding(order, match, knowledge)
    ):
        return None
    if all(p.whole_body for p in match.procedures):
        return replace(match, needs_neck_reason=True)
    return match


def _contradicted(order: ServiceRequest, text: str, procedures: tuple[Procedure, ...], k: Knowledge) -> bool:
    """Whether what the order says besides its code contradicts it: another region, another study, another
    contrast."""
    if not (text or order.bodySite or order.orderDetail or order.note or order.reasonCode):
        return False  # (a code alone says nothing against itself)
    return (
        _elsewhere(order, text, procedures, k)
        or _another_study(text, procedures, k)
        or _another_contrast(order, text, procedures, k)
    )


def _elsewhere(order: ServiceRequest, text: str, procedures: tuple[Procedure, ...], k: Knowledge) -> bool:
    """Whether the order's words or its orderDetail name another region or a level past the neck, a body site of it
    cannot be told to be the neck, or a clause of its notes, reasons or details asks for another region too ("please
    also image lumbar spine"); not for whole-body studies, which name their extent."""
    if all(p.whole_body for p in procedures):
        return False
    regions = k.order_codes.regions
    return (
        regions.names_another_region(text)
        or any(_detail_elsewhere(detail, k) for detail in order.orderDetail or ())
        or any(not _neck_site(site, k) for site in order.bodySite or ())
        or any(_clause_asks_elsewhere(clause, k) for clause in _request_clauses(order))
    )


def _clause_asks_elsewhere(clause: str, k: Knowledge) -> bool:
    """Whether a clause of a note, reason or detail asks for another region (`NoteRequest.asks`), is another region's
    study (`_a_study_elsewhere`), or names a level past the neck and nothing of history or symptoms ("scan through
    T12", "extend coverage to T6": a fifty-third review)."""
    regions = k.order_codes.regions
    request = regions.note_request
    return (
        request.asks(clause, bool(regions.modalities_named(clause)))
        or _a_study_elsewhere(clause, k)
        or (any(level.search(clause) for level in regions.other_levels) and request.free_of_history(clause))
    )


def _detail_elsewhere(detail: CodeableConcept, k: Knowledge) -> bool:
    """Whether an orderDetail's codings name another region ("Lumbar spine", SNOMED 122496007), or its words another
    region of the spine or a level past the neck ("C-spine and T-spine", "Levels: C2-T4"); its words otherwise are
    read as a note's (`_request_clauses`: "Head of bed elevated" is no region asked for)."""
    regions = k.order_codes.regions
    displays = regions.neutral_words.sub(" ", _read_words([c.display for c in detail.coding or ()]))
    words = regions.neutral_words.sub(" ", _read_words([detail.text]))
    return (
        regions.names_another_region(displays)
        or regions.note_request.names_the_spine_elsewhere(words)
        or any(level.search(words) for level in regions.other_levels)
        or (regions.names_another_region(words) and _only_a_site(words, k))  # "Brain", "R shoulder"
    )


def _only_a_site(words: str, k: Knowledge) -> bool:
    """Whether words are a region's name and nothing else but words that only qualify where ("Brain", "Left
    shoulder"; not "Head of bed elevated", "R arm IV")."""
    return _only_qualifiers(k.order_codes.regions.other_words.sub(" ", words), k, _SITE_JOINS)


def _a_study_elsewhere(clause: str, k: Knowledge) -> bool:
    """Whether a clause of a note or reason is the name of a study of another region, or the region with a plain
    asking word, and nothing else ("MRI lumbar spine", "L-spine please", "lumbar spine only": the study wanted, a
    fifty-first review); not with a number but a radiograph's views ("CT head 2025": a past study)."""
    regions = k.order_codes.regions
    plain = regions.note_request.plain_asking
    if not regions.names_another_region(clause) or re.search(r"\d", _VIEWS.sub(" ", clause)):
        return False
    if not regions.modalities_named(clause) and not plain.search(clause):
        return False
    rest = plain.sub(" ", regions.other_words.sub(" ", clause))
    for _, words in regions.modality_words:
        rest = words.sub(" ", rest)
    return _only_qualifiers(rest, k, _STUDY_JOINS)


def _only_qualifiers(words: str, k: Knowledge, joins: frozenset[str] = frozenset()) -> bool:
    """Whether words are only words that qualify where ("Right", "bilateral": `site_qualifier_text`) or `joins`."""
    return set(re.findall(r"[a-z/]+", words)) <= set(k.order_codes.regions.site_qualifier_text) | joins


_SITE_JOINS = frozenset({"spine", "the", "and"})  # words a site's name is written with ("the lumbar spine")
_VIEWS = re.compile(r"\b\d+\s*(?:views?|vws?|v)\b", re.IGNORECASE)  # a radiograph's views ("2 views", "3v")
_STUDY_JOINS = _SITE_JOINS | {"w", "wo", "w/o", "with", "without", "contrast", "iv", "of", "and/or", "or", "stat"}


def _request_clauses(order: ServiceRequest) -> Iterator[str]:
    """The clauses of the order's notes, reason texts and orderDetail texts (up to a `.`, `,`, `;` or line end), read
    as its words are."""
    texts = [n.text for n in order.note or ()] + [
        c.text for c in [*(order.reasonCode or ()), *(order.orderDetail or ())]
    ]
    for text in filter(None, texts):
        for clause in _CLAUSE_ENDS.split(text):
            yield _read_words([clause])


_CLAUSE_ENDS = re.compile(r"(?<!\d)\.(?!\d)|\.(?=\s|$)|[;,\n]")  # (a full stop before a space ends: "since 25/10.")


def _another_study(text: str, procedures: tuple[Procedure, ...], k: Knowledge) -> bool:
    """Whether the order's words say of its kind of imaging or of what it shows what no procedure of its set is:
    only other modalities; the vessels on a spine study's code or the spine on a vessel study's, or both ("CTA neck
    and C-spine": two studies); the neck and no spine on a spine study's ("CT neck w/o" on CPT 72125: its soft
    tissues?)."""
    regions = k.order_codes.regions
    named = regions.modalities_named(text)
    if named and not any(named & set(p.modalities) for p in procedures):
        return True
    if all(p.whole_body for p in procedures):
        return False
    shown = regions.regions_named(text)
    if shown and not any(shown <= {p.region} for p in procedures):
        return True
    return all(p.region == "cervical-spine" for p in procedures) and regions.names_the_neck_not_the_spine(text)


def _another_contrast(order: ServiceRequest, text: str, procedures: tuple[Procedure, ...], k: Knowledge) -> bool:
    """Whether the order's words, or its orderDetail and notes where they name an agent or a study ("MRI C spine w/o",
    a fifty-fourth review), say of its contrast what no procedure of its set may be ("MRI C-spine w/o contrast" on CPT
    72156; "Contrast: None")."""
    regions = k.order_codes.regions
    contrast = regions.contrast
    own, beside = contrast.named(text), []
    for piece in _pieces_beside(order):
        if regions.modalities_named(piece) and not _a_past_study(piece, regions):  # as the order's ("MRI C spine w/o")
            own |= contrast.named(piece) - frozenset(contrast.routes)
        else:
            beside.append(piece)
    return not any(
        own.union(*(contrast.named_beside(w, _classes(p)) for w in beside)) <= p.contrast for p in procedures
    )


def _a_past_study(piece: str, regions: Regions) -> bool:
    """Whether words that name a study tell a past one ("previous MRI C spine w/wo 2022"): history words or a year."""
    return regions.note_request.tells_history(piece) or re.search(r"\b(?:19|20)\d{2}\b", piece) is not None


def _pieces_beside(order: ServiceRequest) -> list[str]:
    """The words of an order's orderDetail and notes, as its own are read, apart at each parenthesis ("no contrast
    (allergy to gadolinium)": the allergy's words no part of the contrast's)."""
    written = [text for d in order.orderDetail or () for text in (d.text, *(c.display for c in d.coding or ()))]
    written += [n.text for n in order.note or ()]
    pieces = (piece for text in written if text for piece in _PARENTHESES.split(text))
    return [words for piece in pieces if (words := _read_words([piece]))]


_PARENTHESES = re.compile(r"[()\[\]]")


def _classes(procedure: Procedure) -> frozenset[str]:
    """The contrast class of a study's kind of imaging, with or without it (`gadolinium` for MRI, `iodinated` for
    CT, fluoroscopy and radiographs): a note of that agent speaks of the study ("with gad" on an MRI without)."""
    if "mr" in procedure.modalities:
        return frozenset({"gadolinium"})
    return frozenset({"iodinated"}) if {"ct", "rf", "xr"} & set(procedure.modalities) else frozenset()


def _neck_site(site: CodeableConcept, k: Knowledge) -> bool:
    """Whether an order's body site names the neck and nothing else: its words name the neck (or it is coded so)
    and name no other region or organ ("Lumbar spine structure", "Cervical and thoracic spine", "Thyroid", a site
    coded without a display are not; "Head and neck" is)."""
    regions = k.order_codes.regions
    codes = [(c.system, c.code) for c in site.coding or () if c.system and c.code]
    if _any_match(regions.cervical_site_codes, codes, k):
        return True
    words = _words(site)
    if re.search(r"[a-z/]", words) and _only_qualifiers(words, k):
        return True  # ("Right": only where, beside the code's region)
    rest = regions.neck_site_words.sub(" neck ", words)
    return not (regions.other_words.search(rest) or regions.other_study_words.search(rest)) and bool(
        regions.cervical_words.search(rest)
    )


def _kind(procedure: Procedure) -> tuple[object, ...]:
    """What a code says about a study that a coarser code for the same study says too (a billing code loses the
    views or the tracer, rules R2-R6, not the modality, the contrast or the region)."""
    return procedure.region, procedure.modalities, procedure.mri, procedure.gadolinium, procedure.iodinated


def _unread_coding(order: ServiceRequest, match: OrderMatch, k: Knowledge) -> bool:
    """Whether a coding of the order is in an order code system, at least as specific as the codings rated (rule R1:
    it would decide), not listed anywhere, and has no display to read: it may name another study or region ("LOINC
    24582-9", MR brachial plexus, beside CPT 72141; not a HCPCS code beside a CPT)."""
    codes = k.order_codes
    rated = min((s.order_specificity or 99 for c in match.codings if (s := k.systems.by_uri(c.system))), default=99)
    for c in order.code.coding or () if order.code else ():
        system = k.systems.by_uri(c.system)
        if system is None or system.order_specificity is None or not c.code or c.display:
            continue
        if system.order_specificity > rated:
            continue
        listed = (system.uri, system.normalise(c.code)) in codes.direct or any(
            _any_match(r.codes, [(c.system, c.code)], k)
            or any(_any_match(f.codes, [(c.system, c.code)], k) for f in r.refinements)
            for r in codes.context_rules
        )
        if not listed and not codes.regions.other_codes.match(k.systems, c.system, c.code):
            return True
    return False


def _match(
    text: str, pairs: list[tuple[str, str]], sibling_pairs: list[tuple[str, str]], knowledge: Knowledge
) -> OrderMatch | None:
    """The most specific codings' procedures (rule R1), else the text rules. None when the codings contradict each
    other (a less specific one names another kind of study, not a coarser code for the same one: "CPT MRI without
    contrast" beside "LOINC MRI without and with")."""
    candidates = [c for c in (_candidate(s, code, pairs, sibling_pairs, text, knowledge) for s, code in pairs) if c]
    if candidates:
        best = min(c.specificity for c in candidates)
        chosen = [c for c in candidates if c.specificity == best]
        procedures = _union(c.procedures for c in chosen)
        kinds = {_kind(p) for p in procedures}
        if any(not kinds & {_kind(p) for p in c.procedures} for c in candidates):
            return None
        regions = [_region(c, text, sibling_pairs, knowledge) for c in chosen]
        if not procedures or None in regions:
            return None
        basis = "; ".join(dict.fromkeys(c.basis for c in chosen))
        return OrderMatch(procedures, basis, tuple(c.coding for c in chosen), needs_neck_reason=not all(regions))
    for rule in knowledge.order_codes.text_rules:
        if all(any(fragment in text for fragment in group) for group in rule.all_of):
            return OrderMatch(rule.procedures, "order text (no known code)")
    return None


def _region(candidate: _Candidate, text: str, sibling_pairs: list[tuple[str, str]], k: Knowledge) -> bool | None:
    """Whether the code's region is the cervical spine: True; not known (a level-less code whose words and siblings
    do not name it: the order's reason must then be a neck indication): False; another region (a sibling names
    one): None."""
    regions = k.order_codes.regions
    if not regions.level_less_codes.match(k.systems, candidate.coding.system, candidate.coding.code):
        return True
    if _any_match(regions.other_codes, sibling_pairs, k):
        return None
    return bool(regions.cervical_words.search(text)) or _any_match(regions.cervical_sibling_codes, sibling_pairs, k)


def _candidate(
    system_uri: str,
    code: str,
    pairs: list[tuple[str, str]],
    sibling_pairs: list[tuple[str, str]],
    text: str,
    k: Knowledge,
) -> _Candidate | None:
    system = k.systems.by_uri(system_uri)
    if system is None:
        return None
    label = Coding(system.uri, code)
    specificity = system.order_specificity or 99
    direct = k.order_codes.direct.get((system.uri, system.normalise(code)))
    if direct:
        return _Candidate(direct, specificity, f"{system.name} code", label)
    rule = next((r for r in k.order_codes.context_rules if r.codes.match(k.systems, system_uri, code)), None)
    if rule is None:
        return None
    return _Candidate(_apply(rule, pairs, sibling_pairs, text, k), specificity, rule.name, label)


def _apply(
    rule: ContextRule, pairs: list[tuple[str, str]], sibling_pairs: list[tuple[str, str]], text: str, k: Knowledge
) -> tuple[Procedure, ...]:
    """The procedures of the refinements that apply, else the rule's default. A refinement told only by the order's
    words, beside a word of doubt ("no flexion/extension", "not a myelogram"), adds to the default: it may be
    meant or denied."""
    fired: list[tuple[Procedure, ...]] = []
    doubtful = False
    for r in rule.refinements:
        coded = _any_match(r.codes, pairs, k) or _any_match(r.sibling_codes, sibling_pairs, k)
        told = r.told_in(text)
        if coded or told:
            fired.append(r.procedures)
            doubtful |= not coded and k.order_codes.doubt_words.search(text) is not None
    if not fired:
        return rule.default
    return _union([rule.default, *fired]) if doubtful else _union(fired)


def _any_match(codes: CodeSets, pairs: list[tuple[str, str]], k: Knowledge) -> bool:
    return bool(codes) and any(codes.match(k.systems, s, c) for s, c in pairs)


def _union(groups: Iterable[tuple[Procedure, ...]]) -> tuple[Procedure, ...]:
    return tuple(dict.fromkeys(p for group in groups for p in group))
