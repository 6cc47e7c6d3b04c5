"""The text reader's spaCy pipeline, built from the lexicon: a blank English pipeline, the sentencizer, the
TargetMatcher with the lexicon's words (through the first-token index) and ConText with its cues. Built once per
process (`shared_pipeline`), again when its vocabulary has grown (pipeline_renewal.py)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from cds_service.engine.text import first_token_index
from cds_service.engine.text.pipeline_renewal import RenewingPipeline
from cds_service.knowledge.model import (
    IGNORED,
    CueRule,
    Lexicon,
    TermRule,
)

_SENTENCE_ENDS = [".", "!", "\n", "\n\n"]
# marks typed between words without a space, which spaCy's English infixes leave glued ("x2wks&fever", "pain;fever",
# "wt↓6kg"): split off; "+" only before a word of three letters ("pain+fever"; not "B27+ve"); a bracket after a word
# before anything ("IVDU(+)", "fall(3d ago)", "fever[-]": a forty-sixth review read none of them)
_ARROWS = r"[↓↑⬇⬆→←]"  # a word of their own ("↓ power", "DTRs ↑.", "T↑ 38.7")
_GLUED_MARKS = (
    r"(?<=\w)[;|*!&](?=[^\W\d_])",
    r"(?<=\w)\+(?=[^\W\d_]{3})",
    _ARROWS,
    r"(?<=[^\W\d_])[(\[](?=\S)",
)
_EDGE_MARKS = (_ARROWS, r"[|•·]")  # a word of their own at a word's edge too ("No fever| breast ca", "|fever")
# a "+" typed against the end of a word of three letters or more, its answer ("trauma+", "Spurling+"; not "B27+",
# "3+"; a "-" there stays: "IVDU-" is no word the lexicon reads, so the mention is not made)
_ANSWER_SUFFIXES = (r"(?<=[^\W\d_]{3})[+]$",)
MAX_NEW_STRINGS = 100_000  # words the texts may add to the pipeline's vocabulary (~50 MiB) before it is built again
_PIPELINES: dict[int, tuple[Lexicon, RenewingPipeline]] = {}


def alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of literal words, the longest first (so that none hides a longer one)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _allowed_types(cue: CueRule, labels: dict[str, set[str]]) -> set[str] | None:
    """The target labels a cue may modify: none for a comma (it only ends other cues' scope), the labels of its
    `only_for` concepts when it names them, else any."""
    if cue.category == "COMMA":
        return {"-"}
    if not cue.only_for:
        return None
    return set().union(*(labels.get(concept, ()) for concept in cue.only_for))


def shared_pipeline(lexicon: Lexicon, yielding: frozenset[str]) -> RenewingPipeline:
    """One pipeline per lexicon object in a process (building one takes most of a second)."""
    found = _PIPELINES.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        build = partial(build_pipeline, lexicon, yielding)
        found = _PIPELINES[id(lexicon)] = (lexicon, RenewingPipeline(build, MAX_NEW_STRINGS))
    return found[1]


def build_pipeline(lexicon: Lexicon, yielding: frozenset[str] = frozenset()) -> Any:
    """The medspaCy pipeline for the lexicon (no model is downloaded: a blank English pipeline). The mentions of the
    `yielding` concepts (the indications) give way to another concept's mention their longest match swallowed."""
    import spacy  # heavy imports, done once per process
    from medspacy.context import ConText, ConTextRule
    from medspacy.ner import TargetRule

    from cds_service.engine.text import target_entities

    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex((*nlp.Defaults.infixes, *_GLUED_MARKS)).finditer
    nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex((*nlp.Defaults.prefixes, *_EDGE_MARKS)).search
    suffixes = (*nlp.Defaults.suffixes, *_EDGE_MARKS, *_ANSWER_SUFFIXES)
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    for written in ("b/l", "B/L", "B/l"):  # "bilateral", one word as the lexicon writes it (not b / l: "l" is left)
        nlp.tokenizer.add_special_case(written, [{"ORTH": written}])
    _split_capitals_contractions(nlp.tokenizer)
    nlp.add_pipe("sentencizer", config={"punct_chars": _SENTENCE_ENDS})
    yielding_labels = sorted({_label(term) for term in lexicon.terms if term.concept in yielding})
    config = {"yielding": yielding_labels, "ignored": f"{IGNORED}|"} if yielding_labels else {}
    matcher = nlp.add_pipe(target_entities.FACTORY, config=config)
    matcher.add(
        [
            TargetRule(term.literal, _label(term), pattern=pattern)
            for term in lexicon.terms
            for pattern in (first_word_alternatives(term.pattern) if term.pattern else [None])
        ]
    )
    labels: dict[str, set[str]] = {}  # each concept's target labels, for a cue's `not_for` and `only_for`
    for term in lexicon.terms:
        labels.setdefault(term.concept, set()).add(_label(term))
    context: ConText = nlp.add_pipe("medspacy_context", config={"rules": None})
    defaults = ConTextRule.from_json(context.DEFAULT_RULES_FILEPATH)
    kept = [r for r in defaults if r.literal.lower() not in lexicon.dropped_default_cues]
    present = {(r.literal.lower(), r.category.upper()) for r in kept}
    added = [
        ConTextRule(
            cue.literal,
            cue.category,
            pattern=[dict(token) for token in cue.pattern] if cue.pattern else None,
            direction=cue.direction,
            max_scope=cue.max_scope,
            allowed_types=_allowed_types(cue, labels),
            excluded_types=set().union(*(labels.get(concept, ()) for concept in cue.not_for)) or None,
        )
        for cue in lexicon.cues
        if (cue.literal, cue.category) not in present
    ]
    _no_word_with_two_categories(kept + added)
    for rule in kept + added:  # (set per rule: ConText's own `terminating_types` option reaches only the first one)
        rule.terminated_by |= set(lexicon.cue_terminations.get(rule.category.upper(), ()))
    context.add([variant for rule in kept + added for variant in _rule_variants(rule)])
    first_token_index.install(matcher, nlp.vocab, meaning=_target_meaning)
    if isinstance(matcher, target_entities.EntitiesAtOnce):
        matcher.prune_here()
    first_token_index.install(context, nlp.vocab, meaning=id)  # a cue's rule carries its scope: any tie, the full run
    return nlp


def _split_capitals_contractions(tokenizer: Any) -> None:
    """Split a contraction written in capitals as spaCy splits it in small letters ("DOESN'T" is "DOES" "N'T", as
    "doesn't" is "does" "n't"; spaCy lists only the small and the title forms, so "DOESN'T HAVE FEVER" read as
    a fever and "CAN'T HOLD URINE" as nothing). Only forms with an apostrophe or a "not" after a word ("DONT"):
    other exceptions in capitals are abbreviations ("ID" is no "I'd")."""
    from spacy.symbols import NORM, ORTH

    for written, pieces in list(tokenizer.rules.items()):
        capitals = written.upper()
        if len(pieces) < 2 or capitals == written or capitals in tokenizer.rules:
            continue
        if "'" in written or "\u2019" in written or "not" in (pieces[-1].get(NORM), pieces[-1][ORTH].lower()):
            tokenizer.add_special_case(capitals, [{**piece, ORTH: piece[ORTH].upper()} for piece in pieces])


def _label(term: TermRule) -> str:
    """A target rule's label: the concept, then its flags (A: region-agnostic, H: hedged), then the other concepts the
    same words name, after a "+" (`also`)."""
    also = f"+{','.join(sorted(term.also))}" if term.also else ""
    return f"{term.concept}|{'A' if term.region_agnostic else ''}{'H' if term.hedged else ''}{also}"


def _target_meaning(rule: Any) -> tuple[str, str]:
    """What the reader takes from a target rule's match: its label (and attributes, which it sets none of)."""
    return rule.category, repr(rule.attributes)


def _no_word_with_two_categories(rules: list[Any]) -> None:
    """Refuse a cue word with two categories: which one applies would depend on medspaCy's internal rule order."""
    seen: dict[str, str] = {}
    for rule in rules:
        if isinstance(rule.pattern, list):
            continue
        word, category = rule.literal.lower(), rule.category.upper()
        if seen.setdefault(word, category) != category:
            raise ValueError(
                f"context cue {word!r} is both {seen[word]} and {category}: drop the default (drop_defaults) or the cue"
            )


def first_word_alternatives(pattern: Sequence[Mapping[str, object]]) -> list[list[dict[str, object]]]:
    """The same matches as a token pattern whose first token is one word of a list (`{LOWER: {IN: [...]}}`), as one
    pattern per word. spaCy's Matcher tries every pattern at every token and checks a word list in Python there, but
    an exact word in C: this makes the text reader ~1/3 faster. Any other pattern is returned as it is."""
    tokens = [dict(token) for token in pattern]
    first = tokens[0]
    if len(first) == 1:
        ((attribute, value),) = first.items()
        if attribute in ("LOWER", "TEXT") and isinstance(value, dict) and set(value) == {"IN"}:
            return [[{attribute: word}, *tokens[1:]] for word in dict.fromkeys(value["IN"])]
    return [tokens]


def _rule_variants(rule: Any) -> list[Any]:
    """A ConText rule as one rule per first word (`first_word_alternatives`), each with the rule's scope settings."""
    if not isinstance(rule.pattern, list):
        return [rule]
    variants = []
    for pattern in first_word_alternatives(rule.pattern):
        variant = copy.copy(rule)
        variant.pattern = pattern
        variants.append(variant)
    return variants
