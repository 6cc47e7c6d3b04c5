"""Read clinical text into mentions of the same concepts the code lists produce, each with its context (policy §8).

medspaCy does the reading: a blank English spaCy pipeline, a rule-based sentence splitter, the TargetMatcher with
the lexicon's words and ConText with its default cues (minus those the lexicon drops) plus the lexicon's own. On
top of ConText three rules of this service: a negation runs on through a list of mentions of the same kind
("no fever, chills or weight loss") but never into a mention of another kind ("no trauma, neck pain x3 wks");
hedged words ("tumor") are uncertain at best; region-agnostic words ("radiculopathy") count in a problem-list
entry only beside a cervical word. The pipeline is built once per process; a text read once is not read again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from cds_service.engine.text.times import TimeNote, find_times
from cds_service.knowledge.model import IGNORED, Context, Knowledge, Lexicon, Role

# ConText categories -> contexts, in order of precedence when several cues modify a mention
_PRECEDENCE = (
    ("NEGATED_EXISTENCE", Context.NEGATED),
    ("HYPOTHETICAL", Context.HYPOTHETICAL),
    ("FAMILY", Context.FAMILY),
    ("POSSIBLE_EXISTENCE", Context.UNCERTAIN),
    ("HISTORICAL", Context.HISTORICAL),
)
_SENTENCE_ENDS = [".", "!", "\n", "\n\n"]
QUOTE_CHARS = 140


@dataclass(frozen=True)
class TextMention:
    """A concept read in a text: where (character offsets), in which context, and the time words beside it."""

    concept: str
    context: Context
    start: int
    end: int
    sentence: tuple[int, int]  # offsets of its sentence
    times: tuple[TimeNote, ...] = ()

    def quote(self, text: str) -> str:
        """The sentence the mention stands in (cut to a short excerpt around it)."""
        start, end = self.sentence
        if end - start > QUOTE_CHARS:
            start = max(start, self.start - QUOTE_CHARS // 2)
            end = min(end, start + QUOTE_CHARS)
        return " ".join(text[start:end].split())


class TextReader:
    """Turns text into TextMentions. Thread-safe after construction; build once per process (it loads spaCy)."""

    def __init__(self, knowledge: Knowledge, cache_size: int = 4096) -> None:
        if knowledge.lexicon is None:
            raise ValueError("the knowledge base has no lexicon")
        self.k = knowledge
        self.lexicon: Lexicon = knowledge.lexicon
        self._roles = {cid: knowledge.concept(cid).role for cid in (*knowledge.findings, *knowledge.contraindications)}
        self._nlp = _shared_pipeline(self.lexicon)
        self._cervical = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in self.lexicon.cervical_words) + r")(?![\w-])", re.I
        )
        self.read = lru_cache(maxsize=cache_size)(self._read)

    def _read(self, text: str, problem_list: bool = False) -> tuple[TextMention, ...]:
        """The mentions in `text`; `problem_list`: the text is a problem-list entry, not the order's own words."""
        if not text or not text.strip():
            return ()
        doc = self._nlp(text)
        found: list[TextMention] = []
        for sentence in doc.sents:
            targets = [e for e in doc.ents if sentence.start <= e.start < sentence.end]
            kept = [e for e in targets if self._usable(e, sentence.text, problem_list)]
            if not kept:
                continue
            contexts = self._contexts(doc, kept)
            notes = find_times(sentence.text, self.lexicon.durations, sentence.start_char)
            times = self._attach_times(kept, notes)
            for ent, context in zip(kept, contexts, strict=True):
                concept, _, flags = ent.label_.partition("|")
                if "H" in flags and context in (Context.AFFIRMED, Context.HISTORICAL):
                    context = Context.UNCERTAIN  # hedged words are never certain
                found.append(
                    TextMention(
                        concept,
                        context,
                        ent.start_char,
                        ent.end_char,
                        (sentence.start_char, sentence.end_char),
                        times[ent.start],
                    )
                )
        return tuple(found)

    def _usable(self, ent: object, sentence: str, problem_list: bool) -> bool:
        concept, _, flags = ent.label_.partition("|")  # type: ignore[attr-defined]
        if concept == IGNORED:
            return False
        return not (problem_list and "A" in flags and not self._cervical.search(sentence))

    def _contexts(self, doc: object, ents: list) -> list[Context]:
        """Each mention's context from its ConText modifiers, with negations carried through lists."""
        contexts = []
        for ent in ents:
            categories = {m.category for m in ent._.modifiers}
            contexts.append(next((c for cat, c in _PRECEDENCE if cat in categories), Context.AFFIRMED))
        # carry a negation through a list of mentions of the same kind ("no fever, chills or weight loss")
        for i in range(1, len(ents)):
            before, ent = ents[i - 1], ents[i]
            if contexts[i - 1] is not Context.NEGATED or contexts[i] is not Context.AFFIRMED:
                continue
            between = [t.lower_ for t in doc[before.end : ent.start]]  # type: ignore[index]
            if all(t in self.lexicon.list_words for t in between) and self._kind(before) == self._kind(ent):
                contexts[i] = Context.NEGATED
        return contexts

    def _attach_times(self, ents: list, notes: list[TimeNote]) -> dict[int, tuple[TimeNote, ...]]:
        """Each time expression goes to the mention nearest to it (ties: the one before it); the indications of a
        sentence share theirs ("neck pain radiating to L arm x3 wks": both the pain and the radiation)."""
        attached: dict[int, list[TimeNote]] = {e.start: [] for e in ents}
        for note in notes:
            nearest = min(
                ents,
                key=lambda e: (max(e.start_char - note.end, note.start - e.end_char, 0), e.start_char > note.start),
            )
            attached[nearest.start].append(note)
        indications = [e for e in ents if self._kind(e) == "indication"]
        shared = sorted({n for e in indications for n in attached[e.start]}, key=lambda n: n.start)
        for ent in indications:
            attached[ent.start] = shared
        return {start: tuple(found) for start, found in attached.items()}

    def _kind(self, ent: object) -> str:
        """Indications and surgery are one kind of mention, everything that blocks or removes another."""
        concept = ent.label_.partition("|")[0]  # type: ignore[attr-defined]
        role = self._roles.get(concept)
        return "indication" if role in (Role.INDICATION, Role.PRIOR_SURGERY) else "other"


_PIPELINES: dict[int, tuple[Lexicon, object]] = {}


def _shared_pipeline(lexicon: Lexicon):  # noqa: ANN202 - a spaCy Language
    """One pipeline per lexicon object in a process (building one takes most of a second)."""
    found = _PIPELINES.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        found = _PIPELINES[id(lexicon)] = (lexicon, _pipeline(lexicon))
    return found[1]


def _pipeline(lexicon: Lexicon):  # noqa: ANN202 - a spaCy Language
    """The medspaCy pipeline for the lexicon (no model is downloaded: a blank English pipeline)."""
    logging.getLogger("PyRuSH").setLevel(logging.WARNING)
    import spacy  # heavy imports, done once per process
    from medspacy.context import ConText, ConTextRule
    from medspacy.ner import TargetRule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": _SENTENCE_ENDS})
    matcher = nlp.add_pipe("medspacy_target_matcher")
    matcher.add(
        [
            TargetRule(
                term.literal,
                f"{term.concept}|{'A' if term.region_agnostic else ''}{'H' if term.hedged else ''}",
                pattern=[dict(token) for token in term.pattern] if term.pattern else None,
            )
            for term in lexicon.terms
        ]
    )
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
        )
        for cue in lexicon.cues
        if (cue.literal, cue.category) not in present
    ]
    context.add(kept + added)
    return nlp
