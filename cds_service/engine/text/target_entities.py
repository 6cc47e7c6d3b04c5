"""medspaCy's TargetMatcher, its matches set as the doc's entities in one step.

medspaCy 1.3 adds each match to `doc.ents` on its own (`doc.ents += (span,)`), and spaCy checks and rewrites every
token's entity annotation at each: a long part with many mentions spends more time there than in matching (a
1 000-character part with 43 mentions, 4.4 ms against 1.5 ms). The matches of a pruning matcher do not overlap, so
they are set at once; should that be refused (an entity already there, which no pipeline of this service has),
they are added one by one as medspaCy adds them, an overlapping one skipped. Import lazily: it imports medspaCy.
"""

import warnings
from typing import Any

from medspacy.target_matcher import TargetMatcher
from spacy.language import Language

FACTORY = "cds_service_target_matcher"


class EntitiesAtOnce(TargetMatcher):
    """A TargetMatcher (same rules, same matches) that sets its matches as entities in one step: medspaCy's default
    settings (overlapping matches pruned, no rules file), its result always `doc.ents`."""

    def __init__(self, nlp: Language, name: str = FACTORY) -> None:
        super().__init__(nlp, name=name, result_type=None)

    @property
    def result_type(self) -> None:
        """None to medspaCy's own call, which then hands the spans back; this component sets them as entities."""
        return None

    @result_type.setter
    def result_type(self, value: object) -> None:
        raise AttributeError(f"{FACTORY} always sets its matches as the doc's entities")

    def __call__(self, doc: Any) -> Any:
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


@Language.factory(FACTORY)  # (spaCy reads the annotations: no `from __future__ import annotations` here)
def _make(nlp: Language, name: str) -> EntitiesAtOnce:
    """The component; it takes no settings (see EntitiesAtOnce)."""
    return EntitiesAtOnce(nlp, name)
