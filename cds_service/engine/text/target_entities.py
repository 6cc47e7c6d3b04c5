"""medspaCy's TargetMatcher, its matches pruned as medspaCy prunes them and set as the doc's entities in one step.

medspaCy 1.3 adds each match to `doc.ents` on its own (`doc.ents += (span,)`), and spaCy checks and rewrites every
token's entity annotation at each: a long part with many mentions spends more time there than in matching (a
1 000-character part with 43 mentions, 4.4 ms against 1.5 ms). The pruned matches do not overlap, so they are set at
once; should that be refused (an entity already there, which no pipeline of this service has), they are added one by
one as medspaCy adds them, an overlapping one skipped.

Pruning is medspaCy's (of overlapping matches the longest), with one exception for `yielding` labels (the
indications): a yielding mention whose longest match swallowed the start of another concept's mention ("radiating to
L arm, hand weakness": the radiating phrase may cross a comma) is cut back to its longest match that ends before it,
and the other mention is kept. An indication's optional tail must not hide a red flag (the asymmetric rule).
Import lazily: it imports medspaCy.
"""

import warnings
from typing import Any

from medspacy.common.util import prune_overlapping_matches
from medspacy.target_matcher import TargetMatcher
from spacy.language import Language
from spacy.tokens import Span

FACTORY = "cds_service_target_matcher"
Match = tuple[int, int, int]  # (match id, start token, end token), as spaCy's Matcher gives them


class EntitiesAtOnce(TargetMatcher):
    """A TargetMatcher (same rules) whose pruned matches are set as entities in one step: medspaCy's default
    settings otherwise (no rules file), its result always `doc.ents`. Call `prune_here()` once its rules are added."""

    def __init__(self, nlp: Language, name: str = FACTORY, yielding: tuple[str, ...] = (), ignored: str = "") -> None:
        super().__init__(nlp, name=name, result_type=None)
        self._yielding = frozenset(yielding)
        self._ignored = ignored

    @property
    def result_type(self) -> None:
        """None to medspaCy's own call, which then hands the spans back; this component sets them as entities."""
        return None

    @result_type.setter
    def result_type(self, value: object) -> None:
        raise AttributeError(f"{FACTORY} always sets its matches as the doc's entities")

    def prune_here(self) -> None:
        """Take the pruning from medspaCy's matcher (it would drop the matches a yielding mention is cut back to)."""
        self._TargetMatcher__matcher._prune = False  # (medspaCy 1.3: MedspacyMatcher prunes when `_prune`)

    def __call__(self, doc: Any) -> Any:
        if not self._TargetMatcher__matcher._prune:
            matches = [m for m in self._TargetMatcher__matcher(doc) if not self._ignored_in_doubt(doc, m)]
            spans = [self._span(doc, match) for match in self._pruned(matches)]
        else:
            spans = super().__call__(doc)  # with result_type None: the matched spans, in match order
        if not spans:
            return doc  # (setting no entity leaves the tokens' entity annotation unset, as medspaCy does)
        try:
            doc.ents = (*doc.ents, *spans)
        except ValueError:  # one overlaps an entity already there: medspaCy's own way, the earlier entity kept
            for span in spans:
                try:
                    doc.ents += (span,)
                except ValueError:
                    warnings.warn(
                        f'The result ""{span}"" conflicts with a pre-existing entity in doc.ents. This result has been '
                        "skipped.",
                        RuntimeWarning,
                        stacklevel=2,
                    )  # (medspaCy's words)
        return doc

    def _ignored_in_doubt(self, doc: Any, match: Match) -> bool:
        """Whether an ignored phrase is asked as a question ("Bowel/bladder - intact? pt unsure", review 52): then it
        hides nothing, and the words in it are read."""
        ignored = bool(self._ignored) and self._rule(match).category.startswith(self._ignored)
        return ignored and match[2] < len(doc) and doc[match[2]].text == "?"

    def _rule(self, match: Match) -> Any:
        return self._TargetMatcher__matcher.rule_map[self.nlp.vocab.strings[match[0]]]

    def _span(self, doc: Any, match: Match) -> Span:
        """The match's span, as medspaCy's TargetMatcher makes it (its label the rule's category, its rule set)."""
        rule = self._rule(match)
        span = Span(doc, start=match[1], end=match[2], label=rule.category)
        span._.target_rule = rule
        for attribute, value in (rule.attributes or {}).items():
            setattr(span._, attribute, value)
        return span

    def _pruned(self, matches: list[Match]) -> list[Match]:
        """medspaCy's pruning (the same matches kept, in its order), then the yielding mentions cut back."""
        kept = prune_overlapping_matches(matches)
        if len(kept) == len(matches) or not self._yielding:
            return kept
        label = {match: self._rule(match).category for match in matches}
        for other in matches:
            ignored = bool(self._ignored) and label[other].startswith(self._ignored)
            if label[other] in self._yielding or ignored or other in kept:
                continue
            over = [k for k in kept if k[1] < other[2] and other[1] < k[2]]
            if len(over) != 1 or label[over[0]] not in self._yielding or not over[0][1] < other[1]:
                continue
            swallowing = over[0]
            shorter = [
                m for m in matches if label[m] == label[swallowing] and m[1] == swallowing[1] and m[2] <= other[1]
            ]
            if shorter:
                cut = max(shorter, key=lambda m: m[2])
                kept = sorted([k for k in kept if k is not swallowing] + [cut, other], key=lambda m: m[1])
        return kept


@Language.factory(FACTORY)  # (spaCy reads the annotations: no `from __future__ import annotations` here)
def _make(nlp: Language, name: str, yielding: tuple[str, ...] = (), ignored: str = "") -> EntitiesAtOnce:
    """The component: `yielding` the labels whose mentions give way, `ignored` the prefix of ignored words' labels."""
    return EntitiesAtOnce(nlp, name, yielding, ignored)
