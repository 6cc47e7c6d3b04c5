"""medspaCy's TargetMatcher, its matches set as the doc's entities in one step.

medspaCy 1.3 adds each match to `doc.ents` on its own (`doc.ents += (span,)`), and spaCy checks and rewrites every
token's entity annotation at each: a long part with many mentions spends more time there than in matching (a
1 000-character part with 43 mentions, 4.4 ms against 1.5 ms). The matches of a pruning matcher do not overlap, so
they are set at once; should that be refused (an entity already there, which no pipeline of this service has),
they are added one by one as medspaCy adds them, an overlapping one skipped. Import lazily: it imports medspaCy.
"""

from typing import Any

from medspacy.target_matcher import TargetMatcher
from spacy.language import Language

FACTORY = "cds_service_target_matcher"


class EntitiesAtOnce(TargetMatcher):
    """A TargetMatcher (same rules, same matches) that sets its matches as entities in one step."""

    def __init__(self, nlp: Language, name: str = FACTORY) -> None:
        super().__init__(nlp, name=name, result_type=None)

    def __call__(self, doc: Any) -> Any:
        spans = super().__call__(doc)  # with result_type None: the matched spans, in match order
        if not spans:
            return doc
        try:
            doc.ents = (*doc.ents, *spans)
        except ValueError:  # overlapping: medspaCy's own way, the earlier entity kept
            for span in spans:
                try:
                    doc.ents += (span,)
                except ValueError:
                    continue
        return doc


@Language.factory(FACTORY)  # (spaCy reads the annotations: no `from __future__ import annotations` here)
def _make(nlp: Language, name: str) -> EntitiesAtOnce:
    return EntitiesAtOnce(nlp, name)
