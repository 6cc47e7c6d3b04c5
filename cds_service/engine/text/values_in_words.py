"""Values written in words ("T 38.5", "CRP 94", "102F at home"), read against the lab rules
(observations.yaml) as mentions labelled with their level."""

from __future__ import annotations

import re
from typing import Any

from cds_service.engine.text.pipeline_build import alternation
from cds_service.engine.text.tokens import doc_text
from cds_service.knowledge.model import Knowledge, MeasurementWords, UnnamedValues

# A number that may be a value written without its name: two or three digits, a unit or a word after it.
_UNNAMED_VALUE = re.compile(
    r"(?<![\w./-])(?P<value>\d{2,3}(?:\.\d+)?)(?![\d/.])(?:\s?(?P<unit>°\s?[cf]\b|°|[a-z%][a-z/%]*))?", re.IGNORECASE
)
BORDERLINE, WITHIN = "B", "W"


def _level(rule: Any, value: float, units: tuple[str, ...]) -> str:
    """A value's label: the rule's concept and whether the value is beyond, at or within its threshold; borderline
    where its possible units disagree ("CRP 5.2": 5.2 mg/L is within, 5.2 mg/dL beyond)."""
    levels = {_level_in(rule, value, unit) for unit in units}
    return f"{rule.concept}|M{levels.pop() if len(levels) == 1 else BORDERLINE}"


def _level_in(rule: Any, value: float, unit: str) -> str:
    """ "" beyond the threshold, BORDERLINE at it (or in a unit the rule cannot convert), WITHIN it."""
    conversion = rule.units.get(unit)
    if conversion is None:
        return BORDERLINE
    canonical = conversion.to_canonical(value)
    if rule.at_threshold(canonical):
        return BORDERLINE
    return "" if rule.beyond(canonical) else WITHIN


def _unnamed_level(words: MeasurementWords, rule: Any, match: re.Match[str], text: str) -> str | None:
    """The label of a value written without a name (lexicon.yaml `unnamed`), or None if it is not this measurement.

    With a unit that names it ("102F", "38.5 °C") it reads as a named value; a bare decimal after a mark or word of
    `after` ("no fever at home but 38.5 in triage", ", 101.5 last night") may be one: uncertain if past the threshold,
    nothing otherwise. Either must be a value the measurement can have (`within`)."""
    unnamed = words.unnamed
    assert unnamed is not None
    value = float(match["value"])
    written = re.sub(r"\s", "", (match["unit"] or "").lower())
    bare = written not in unnamed.units
    if bare and ("." not in match["value"] or written in unnamed.not_before or not _free_before(text, match, unnamed)):
        return None
    units = words.units_for(value, None if bare else written)
    conversions = [rule.units[unit] for unit in units if unit in rule.units]
    low, high = unnamed.within
    if not conversions or not all(low <= c.to_canonical(value) <= high for c in conversions):
        return None
    label = _level(rule, value, units)
    if bare:
        return None if label.endswith(WITHIN) else f"{rule.concept}|M{BORDERLINE}"
    return label


def _free_before(text: str, match: re.Match[str], unnamed: UnnamedValues) -> bool:
    """Whether a bare number starts the text or follows a mark or word of `after` (no name of another value)."""
    before = text[: match.start()].rstrip()
    if not before:
        return True
    word = re.search(r"[\w/]+$", before)
    return (word[0].lower() if word else before[-1]) in unnamed.after


def _no_overlap(spans: list) -> list:
    kept: list = []
    for span in sorted(spans, key=lambda s: (s.start, -len(s))):
        if all(span.start >= k.end or span.end <= k.start for k in kept):
            kept.append(span)
    return kept


def measurement_pattern(words: MeasurementWords) -> re.Pattern[str]:
    names = alternation(words.names)
    return re.compile(
        rf"(?<![\w-])(?:{names})\s*(?:of|was|is|at|to|up to|:|=|-|~)?\s*(?:>=?|≥)?\s*"
        r"(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d/])"
        r"(?:\s*(?P<unit>°\s?[cf]\b|[a-z][a-z0-9/^*]*))?",
        re.IGNORECASE,
    )


class ValuesInWords:
    """The reading of values written in words: a part of TextReader (reader.py)."""

    k: Knowledge
    _measures: list[tuple[MeasurementWords, re.Pattern[str]]]

    def _measure(self, doc: Any) -> Any:
        """Add "T 38.5", "CRP 94" as mentions of their rule's concept, labelled with their level; and a value written
        without a name that can only be the measurement ("102F at home") or may be ("but 38.5 in triage")."""
        text = doc_text(doc)
        named = self._named_values(text)
        spans = named + self._unnamed_values(text, named)
        found = [
            span
            for start, end, label in spans
            if (span := doc.char_span(start, end, label=label, alignment_mode="expand")) is not None
        ]
        if not found:
            return doc
        kept = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in found)]
        words_in = {s.start for s in found for e in doc.ents if e.start < s.end and s.start < e.end}
        labelled = [
            doc.char_span(s.start_char, s.end_char, label=s.label_ + ("word" if s.start in words_in else ""))
            for s in found
        ]
        doc.ents = sorted(kept + _no_overlap(labelled), key=lambda e: e.start)
        return doc

    def _named_values(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, label) of each value written with its name ("T 38.5", "CRP 5.2 mg/dL")."""
        spans = []
        for words, pattern in self._measures:
            rule = self.k.observations[words.rule]
            for match in pattern.finditer(text):
                value = float(match["value"].replace(",", ""))
                label = _level(rule, value, words.units_for(value, match["unit"]))
                spans.append((match.start(), match.end("value"), label))
        return spans

    def _unnamed_values(self, text: str, named: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """(start, end, label) of each value written without a name that is or may be a measurement (lexicon.yaml
        `unnamed`), where no named value stands."""
        spans = []
        for words, _ in self._measures:
            if words.unnamed is None:
                continue
            rule = self.k.observations[words.rule]
            for match in _UNNAMED_VALUE.finditer(text):
                label = _unnamed_level(words, rule, match, text)
                if label and not any(s < match.end() and match.start() < e for s, e, _ in named):
                    spans.append((match.start(), match.end("value"), label))
        return spans
