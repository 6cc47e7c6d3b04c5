"""Build the typed lexicon (lexicon.yaml): words per concept, context cues, time expressions; checked at start-up."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cds_service.knowledge.model import (
    IGNORED,
    CueDoubts,
    CueRule,
    DurationWords,
    Lexicon,
    LineWraps,
    MeasurementWords,
    OtherLanguage,
    RelativeAnswers,
    TermRule,
    UnnamedValues,
)

# The spaCy Matcher token attributes the lexicon may use, and the operators inside them.
TOKEN_KEYS = frozenset(
    {
        "LOWER",
        "TEXT",
        "ORTH",
        "NORM",
        "OP",
        "IS_DIGIT",
        "IS_ALPHA",
        "IS_PUNCT",
        "IS_SENT_START",
        "LIKE_NUM",
        "LENGTH",
        "SPACY",
    }
)
VALUE_OPERATORS = frozenset({"IN", "NOT_IN", "REGEX"})
OPS = frozenset({"?", "*", "+", "!"})
SINCE_GROUPS = ("month", "month_year")
DATED_GROUPS = ("month", "month_year", "num_month", "num_year", "year")


class LexiconError(ValueError):
    """A problem at a path of lexicon.yaml: args are (path, problem)."""


def build_lexicon(data: Mapping[str, Any], concepts: set[str], units: Mapping[str, set[str]]) -> Lexicon:
    """The lexicon; LexiconError((path, problem)) when an entry is not usable.

    `units`: each observations.yaml rule id and the units it converts (for the measurement words).
    """
    _one_place_per_literal(data)
    terms: list[TermRule] = []
    for i, group in enumerate(data["terms"]):
        if group["concept"] not in concepts:
            raise LexiconError(["terms", i, "concept"], f"unknown concept {group['concept']!r}")
        also = _known(group.get("also", ()), ["terms", i, "also"], concepts)
        terms += [replace(rule, also=also) for rule in _group(group, group["concept"], ["terms", i])]
    for i, group in enumerate(data["ignore"]):
        terms += _group(group, IGNORED, ["ignore", i])
    cues = tuple(_cue(c, ["cues", "add", i], concepts) for i, c in enumerate(data["cues"]["add"]))
    return Lexicon(
        terms=tuple(terms),
        cues=cues,
        dropped_default_cues=frozenset(c.lower() for c in data["cues"]["drop_defaults"]),
        cervical_words=tuple(w.lower() for w in data["cervical_words"]),
        other_sites=_words(data["other_sites"]),
        radiating_concepts=_known(
            data["radiating_from_sites"]["concepts"], ["radiating_from_sites", "concepts"], concepts
        ),
        radiating_from_sites=_words(data["radiating_from_sites"]["sites"]),
        radiating_named=_words(data["radiating_from_sites"]["named"]),
        radiating_not_before=_words(data["radiating_from_sites"]["not_before"]),
        other_language=OtherLanguage(
            words=frozenset(w.lower() for w in data["other_language"]["words"]),
            at_least=data["other_language"]["at_least"],
        )
        if "other_language" in data
        else None,
        line_wraps=LineWraps(
            joining_words=_words(data["line_wraps"]["joining_words"]),
            min_wrapped_chars=data["line_wraps"]["min_wrapped_chars"],
        ),
        list_words=frozenset(w.lower() for w in data["list_words"]),
        durations=_durations(data["durations"]),
        symptom_words=frozenset(w.lower() for w in data["symptom_words"]),
        symptom_fillers=frozenset(w.lower() for w in data["symptom_fillers"]),
        present_words=frozenset(w.lower() for w in data["present_words"]),
        present_leads=frozenset(w.lower() for w in data["present_leads"]),
        present_follows=frozenset(w.lower() for w in data["present_follows"]),
        recent_use_words=frozenset(w.lower() for w in data.get("recent_use_words", ())),
        present_denials=frozenset(w.lower() for w in data["present_denials"]),
        current_words=frozenset(w.lower() for w in data["current_words"]),
        being_words=frozenset(w.lower() for w in data["being_words"]),
        cue_terminations={k: tuple(v) for k, v in data["cues"]["terminated_by"].items()},
        reporters_before=_words(data["cues"]["reporters"]["before"]),
        reporters_after=_words(data["cues"]["reporters"]["after"]),
        denial_marks=_words(data["cues"]["trailing_denials"]["marks"]),
        denial_words=_words(data["cues"]["trailing_denials"]["words"]),
        denial_label_words=_words(data["cues"]["trailing_denials"]["label_words"]),
        denial_parenthesised_labels=_words(data["cues"]["trailing_denials"]["parenthesised_labels"]),
        answer_labels=frozenset(data["cues"]["trailing_denials"]["answer_labels"]),
        unmarked_denials=_phrases(data["cues"]["trailing_denials"]["unmarked"]),
        denial_after_words=_words(data["cues"]["trailing_denials"]["after_words"]),
        denial_source_words=_words(data["cues"]["trailing_denials"]["source_words"]),
        denial_between_words=_words(data["cues"]["trailing_denials"]["between_words"]),
        denial_denies_next=_words(data["cues"]["trailing_denials"]["denies_next"]),
        denial_contradictions=_words(data["cues"]["trailing_denials"]["contradictions"]),
        unread_answers=_words(data["cues"]["trailing_denials"]["unread_answers"]),
        answers_after_a_word=_words(data["cues"]["trailing_denials"]["answers_after_a_word"]),
        presence_marks=_words(data["cues"]["presence_marks"]),
        answer_boxes=_words(data["cues"]["answer_boxes"]),
        ticked_boxes=frozenset(data["cues"]["ticked_boxes"]),
        unticked_boxes=frozenset(data["cues"]["unticked_boxes"]),
        blank_after_mark=_phrases(data["cues"]["blank_answers"]["after_a_mark"]),
        blank_anywhere=_phrases(data["cues"]["blank_answers"]["anywhere"]),
        history_denial_links=_words(data["cues"]["history_denial_links"]),
        relative_answers=RelativeAnswers(
            marks=_words(data["cues"]["relative_answers"]["marks"]),
            lineage=_words(data["cues"]["relative_answers"]["lineage"]),
            then=_words(data["cues"]["relative_answers"]["then"]),
        ),
        doubts=_doubts(data["cues"]["doubts"], concepts),
        measurements=tuple(_measurement(m, ["measurements", i], units) for i, m in enumerate(data["measurements"])),
    )


def _known(ids: Sequence[str], path: list[Any], concepts: set[str]) -> frozenset[str]:
    """The concept ids, each one a concept of the knowledge (LexiconError otherwise)."""
    for i, concept in enumerate(ids):
        if concept not in concepts:
            raise LexiconError([*path, i], f"unknown concept {concept!r}")
    return frozenset(ids)


def _doubts(d: Mapping[str, Any], concepts: set[str]) -> CueDoubts:
    for key in ("events", "described_conditions", "ongoing_unless_dated", "symptom_concepts"):
        for i, concept in enumerate(d[key]):
            if concept not in concepts:
                raise LexiconError(["cues", "doubts", key, i], f"unknown concept {concept!r}")
    return CueDoubts(
        events=frozenset(d["events"]),
        described_conditions=frozenset(d["described_conditions"]),
        event_times=_words(d["event_times"]),
        reason_links=tuple(w.lower() for w in d["reason_links"]),
        stopped_reason_links=tuple(w.lower() for w in d["stopped_reason_links"]),
        relative_subject_words=_words(d["relative_subject_words"]),
        new_statements=tuple(w.lower() for w in d["new_statements"]),
        link_fillers=_words(d["link_fillers"]),
        ongoing_unless_dated=frozenset(d["ongoing_unless_dated"]),
        event_days=_words(d["event_days"]),
        companions=_words(d["companions"]),
        patient_words=_words(d["patient_words"]),
        patient_nouns=_words(d.get("patient_nouns", ())),
        cues_together=frozenset((first, second) for first, second in d["cues_together"]),
        until_words=_words(d["until_words"]),
        negation_links=_words(d["negation_links"]),
        site_words=_words(d["site_words"]),
        heading_words=_words(d["heading_words"]),
        symptom_item_words=_words(d["symptom_item_words"]),
        symptom_concepts=frozenset(d["symptom_concepts"]),
        complaint_words=_words(d["complaint_words"]),
        item_time_words=_words(d["item_time_words"]),
        contraindication_denial_words=_words(d["contraindication_denial_words"]),
        inability_words=_words(d["inability_words"]),
        cause_links=tuple(w.lower() for w in d["cause_links"]),
        not_auxiliaries=_words(d["not_auxiliaries"]),
        denial_verbs=_words(d["denial_verbs"]),
        since_links=_words(d["since_links"]),
        window_words=_words(d["window_words"]),
        manner_words=tuple(w.lower() for w in d["manner_words"]),
    )


def _measurement(m: Mapping[str, Any], path: list[Any], units: Mapping[str, set[str]]) -> MeasurementWords:
    if m["rule"] not in units:
        raise LexiconError([*path, "rule"], f"unknown observation rule {m['rule']!r} (observations.yaml)")
    known = units[m["rule"]]
    for written, unit in m["units"].items():
        if unit not in known:
            raise LexiconError([*path, "units", written], f"{unit!r} is not a unit of rule {m['rule']!r}")
    bares = [(b.get("below"), (b["unit"],) if "unit" in b else tuple(b["units"])) for b in m["bare"]]
    for i, (_, bare_units) in enumerate(bares):
        for unit in bare_units:
            if unit not in known:
                raise LexiconError([*path, "bare", i], f"{unit!r} is not a unit of rule {m['rule']!r}")
    unnamed = m.get("unnamed")
    return MeasurementWords(
        rule=m["rule"],
        names=tuple(n.lower() for n in m["names"]),
        units={k.lower(): v for k, v in m["units"].items()},
        bare=tuple(bares),
        unnamed=None if unnamed is None else _unnamed(unnamed, [*path, "unnamed"]),
    )


def _unnamed(u: Mapping[str, Any], path: list[Any]) -> UnnamedValues:
    low, high = u["within"]["from"], u["within"]["to"]
    if not low < high:
        raise LexiconError([*path, "within"], f"an empty range: from {low} to {high}")
    return UnnamedValues(
        units=frozenset(w.lower() for w in u["units"]),
        within=(low, high),
        after=frozenset(w.lower() for w in u["after"]),
        not_before=frozenset(w.lower() for w in u["not_before"]),
    )


def _one_place_per_literal(data: Mapping[str, Any]) -> None:
    """A literal written twice would be two rules of one span, whose label (concept, hedged) would depend on the
    matcher's order: refused."""
    seen: dict[str, list[Any]] = {}
    for section in ("terms", "ignore"):
        for i, group in enumerate(data[section]):
            for j, literal in enumerate(group.get("literals", ())):
                here = [section, i, "literals", j]
                first = seen.setdefault(literal.lower(), here)
                if first != here:
                    where = f"{first[0]}[{first[1]}].literals[{first[3]}]"
                    raise LexiconError(here, f"{literal!r} is already written at {where}")


def _group(group: Mapping[str, Any], concept: str, path: list[Any]) -> list[TermRule]:
    flags = {"region_agnostic": group.get("region_agnostic", False), "hedged": group.get("hedged", False)}
    rules = [TermRule(concept, literal.lower(), **flags) for literal in group.get("literals", ())]
    for j, named in enumerate(group.get("patterns", ())):
        pattern = _pattern(named["tokens"], [*path, "patterns", j, "tokens"])
        rules.append(TermRule(concept, named["name"], pattern, **flags))
    return rules


def _pattern(tokens: Sequence[Any], path: list[Any]) -> tuple[Mapping[str, object], ...]:
    for k, token in enumerate(tokens):
        for key, value in token.items():
            where = [*path, k, key]
            if key not in TOKEN_KEYS:
                raise LexiconError(where, f"unknown token attribute {key!r} (use one of {sorted(TOKEN_KEYS)})")
            if key == "OP" and value not in OPS:
                raise LexiconError(where, f"unknown operator {value!r} (use one of {sorted(OPS)})")
            if isinstance(value, dict):
                unknown = set(value) - VALUE_OPERATORS
                if unknown:
                    raise LexiconError(where, f"unknown value operator(s) {sorted(unknown)}")
                if "REGEX" in value:
                    _compile(value["REGEX"], where)
    return tuple(tokens)


def _cue(cue: Mapping[str, Any], path: list[Any], concepts: set[str]) -> CueRule:
    pattern = _pattern(cue["pattern"], [*path, "pattern"]) if "pattern" in cue else None
    if cue["category"] == "CLAUSE" and cue["direction"] != "TERMINATE":
        raise LexiconError([*path, "direction"], "a CLAUSE cue ends other cues' scope: its direction is TERMINATE")
    not_for = _known(cue.get("not_for", ()), [*path, "not_for"], concepts)
    only_for = _known(cue.get("only_for", ()), [*path, "only_for"], concepts)
    return CueRule(
        cue["literal"].lower(), cue["category"], cue["direction"], pattern, cue.get("max_scope"), not_for, only_for
    )


def _durations(d: Mapping[str, Any]) -> DurationWords:
    path = ["durations"]
    span = _compile(d["span"], [*path, "span"], ("n", "unit"))
    ago = _compile(d["ago"], [*path, "ago"], ("n", "unit"))
    holidays = {name: _holiday(days, [*path, "holidays", name]) for name, days in d["holidays"].items()}
    since = _compile(d["since"].replace("<HOLIDAYS>", _holiday_names(holidays)), [*path, "since"], SINCE_GROUPS)
    dated = _compile(d["dated"], [*path, "dated"], DATED_GROUPS)
    units = {k.lower(): float(v) for k, v in d["unit_days"].items()}
    for name, regex in (("span", span), ("ago", ago)):
        for unit in re.findall(r"[a-z]+", regex.pattern.split("(?P<unit>", 1)[1].split(")", 1)[0]):
            if unit.rstrip("s") not in units and unit not in units:
                raise LexiconError([*path, name], f"unit {unit!r} of the pattern has no entry in unit_days")
    return DurationWords(
        number_words={k.lower(): _number_range(v) for k, v in d["number_words"].items()},
        unit_days=units,
        span=span,
        ago=ago,
        since=since,
        dated=dated,
        asked=_compile(d["asked"], [*path, "asked"]),
        asked_classes=frozenset(d["asked_classes"]),
        month_parts={k.lower(): _ordered_pair(v, [*path, "month_parts", k]) for k, v in d["month_parts"].items()},
        year_parts={k.lower(): _ordered_pair(v, [*path, "year_parts", k]) for k, v in d["year_parts"].items()},
        holidays=holidays,
        class_words={k.lower(): frozenset(v) for k, v in d["class_words"].items()},
        relative={k.lower(): (float(v[0]), float(v[1])) for k, v in d["relative"].items()},
        link_words=_words(d["link_words"]),
        worsening_words=_words(d["worsening_words"]),
        treatment_done_words=_words(d["treatment_done_words"]),
        treated_for=_words(d["treated_for"]),
        event_links=_words(d["event_links"]),
        other_events=frozenset(w if w != w.lower() else w.lower() for w in d["other_events"]),
        history_class_words=_words(d["history_class_words"]),
        states_before=_words(d["other_states"]["before"]),
        states_after=_words(d["other_states"]["after"]),
    )


def _holiday(days: Sequence[str], path: list[Any]) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """A holiday's (month, day), and the last (month, day) of the days a movable one may fall on."""
    first, *last = (tuple(int(n) for n in day.split("-")) for day in days)
    for month, day in (first, *last):
        if day > calendar.monthrange(2024, month)[1]:
            raise LexiconError(path, f"no day {day} in month {month}")
    return (first[0], first[1]), ((last[0][0], last[0][1]) if last else None)


def _holiday_names(holidays: Mapping[str, Any]) -> str:
    """The since pattern's alternatives for the holidays' names, longest first: words apart by spaces or hyphens, a
    word's final s after an optional apostrophe ("new year's"), a full stop after any word ("st.")."""

    def word(w: str) -> str:
        return (re.escape(w[:-1]) + "['’]?s" if len(w) > 2 and w.endswith("s") else re.escape(w)) + r"\.?"

    names = sorted(holidays, key=len, reverse=True)
    return "|".join(r"[-\s]+".join(word(w) for w in name.split()) for name in names)


def _ordered_pair(value: Sequence[int], path: list[Any]) -> tuple[int, int]:
    """A part's first and last day (or month), the first not after the last."""
    first, last = value
    if first > last:
        raise LexiconError(path, f"{first} comes after {last}")
    return first, last


def _number_range(value: float | Sequence[float]) -> tuple[float, float]:
    """A number word's value: one number, or the [low, high] a vague word may mean."""
    if isinstance(value, (int, float)):
        return float(value), float(value)
    low, high = value
    return float(low), float(high)


def _words(words: Sequence[str]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


def _phrases(phrases: Sequence[Sequence[str]]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(w.lower() for w in phrase) for phrase in phrases)


def _compile(pattern: str, path: list[Any], groups: Sequence[str] = ()) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise LexiconError(path, f"not a valid regular expression: {exc}") from None
    missing = [g for g in groups if g not in compiled.groupindex]
    if missing:
        raise LexiconError(path, f"the expression needs the named group(s) {missing}")
    return compiled
