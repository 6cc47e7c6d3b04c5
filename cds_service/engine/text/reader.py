"""Read clinical text into mentions of the same concepts the code lists produce, each with its context (policy §8).

medspaCy does the reading: a blank English spaCy pipeline, a rule-based sentence splitter, the TargetMatcher with
the lexicon's words and ConText with its default cues (minus those the lexicon drops) plus the lexicon's own. Around
them, rules of this service, each small: a question mark written against a word ("abscess??") questions that word
and ends the clause; values written in words ("T 38.5", "CRP 94") are read against the lab rules; a negation or a
hypothetical runs on through a list of mentions of the same kind ("no fever, chills or weight loss") but never into
a mention of another kind ("no trauma, neck pain x3 wks"); hedged words ("tumor") are uncertain at best;
region-agnostic words ("radiculopathy") count in a problem-list entry only beside a cervical word; a time
expression belongs to the nearest mention in its clause. The pipeline is built once per process, and again in the
background once the texts read have added MAX_NEW_STRINGS words to its vocabulary (pipeline_build.py,
pipeline_renewal.py); a text read once is not read again.

This module reads a text sentence by sentence and gives each mention its context; the rules it applies are parts of
TextReader, one module each: list_scope.py (how far a negation or a hypothetical runs through a list),
answers_after.py (what is written right after a mention), cue_doubts.py (where a cue's reading is doubtful),
current_state.py (a mention's modifiers and whether they hold now), time_attachment.py (which mention a time belongs
to) and values_in_words.py (values written in words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import combinations
from typing import Any

from cds_service.engine.text.answers_after import AnswersAfter
from cds_service.engine.text.characters import folded, read_otherwise
from cds_service.engine.text.cue_doubts import CueDoubts
from cds_service.engine.text.current_state import CurrentState
from cds_service.engine.text.line_marks import mark_question_marks, open_sentences_at_boxes
from cds_service.engine.text.line_wraps import unwrapped
from cds_service.engine.text.list_scope import ListScope
from cds_service.engine.text.markup import plain
from cds_service.engine.text.mention import SYMPTOMS, TextMention
from cds_service.engine.text.pipeline_build import alternation, shared_pipeline
from cds_service.engine.text.pipeline_renewal import RenewingPipeline
from cds_service.engine.text.spacing import collapsed
from cds_service.engine.text.time_attachment import TimeAttachment, in_phrase_before, just_after_one_of, told_chronic
from cds_service.engine.text.times import TimeNote, find_times
from cds_service.engine.text.tokens import EDGES_KEY, PRECEDENCE, WORD, concept_of, doc_text
from cds_service.engine.text.values_in_words import BORDERLINE, WITHIN, ValuesInWords, measurement_pattern
from cds_service.knowledge.model import (
    IGNORED,
    Context,
    Knowledge,
    Lexicon,
    Role,
)

_CARRIED = (Context.NEGATED, Context.HYPOTHETICAL)  # contexts a list carries on ("no X, Y or Z")
MAX_TEXT_CHARS = 20_000  # longer is unreadable (insufficient-data); an order's reason or a note is far shorter
PART_CHARS = 1_000  # a long text is read in parts of whole sentences of about this size
MAX_PART_CHARS = 3_000  # a part without a sentence ending with a full stop to end it ends here
MAX_SENTENCE_CHARS = 3_000  # a longer sentence in a long text is unreadable


MARKS_RUN = re.compile(r"(?:[^\w\s]|_){64,}")  # a run of marks (or "_") this long says nothing a reader could use
ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)  # a web address: nothing clinical, however long
MAX_RUN_CHARS = 256  # a longer run without a space, words in it, is unreadable
LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")


def _without_long_runs(text: str) -> str:
    """The text with each long run of marks without a letter or a digit ("%%%%…", "()()()…", a ruled line) and each
    web address as so many spaces (the offsets stay as they were); TextTooLong for a longer run without a space with
    words in it. spaCy's tokenizer strips marks and endings one at a time from a word's ends, so such a run costs the
    square of its length (a fifty-third review: 8 000 "%" took 10 s, 20 000 "()" nearly a minute, 4 000 "'s" 5 s)."""
    for run in (MARKS_RUN, ADDRESS):
        text = run.sub(lambda found: " " * len(found.group()), text)  # (the same text where there is none)
    if LONG_RUN.search(text):
        raise TextTooLong(f"a run of more than {MAX_RUN_CHARS} characters without a space is not read")
    return text


class TextNotRead(ValueError):
    """A text the reader does not read: the data is there but cannot be read."""


class TextTooLong(TextNotRead):
    """A text longer than the reader reads."""


class TextInAnotherLanguage(TextNotRead):
    """A text written (at least in part) in another language than the lexicon's (lexicon.yaml `other_language`)."""


def _at_best(context: Context, cap: Context) -> Context:
    """A context no more certain than `cap` (negations and hypotheticals stay as they are)."""
    return cap if context in (Context.AFFIRMED, Context.HISTORICAL) else context


_ITEM_OTHER_WORDS = 2  # a list's item on a line of its own: at most this many words besides mentions and list words
_BULLETS = frozenset({"-", "*", "•", "·", "–", "+", "o", ">"})  # a list item's mark at the start of its line


def _words_pattern(words: tuple[str, ...] | frozenset[str]) -> re.Pattern[str]:
    alternatives = alternation(words)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _reason_link_pattern(links: Sequence[str]) -> re.Pattern[str]:
    """A reason link (lexicon.yaml `cues.doubts`) followed by at most three words and the end (a lookahead: every
    link of a phrase is found, the last one is the mention's)."""
    alternatives = alternation(links)
    return re.compile(
        rf"(?:(?<=[\s(])|^)(?P<link>{alternatives})(?=[\s(]|$)(?=(?:\s*[\w/'-]+){{0,3}}\s*$)", re.IGNORECASE
    )


def _also(ent: Any) -> list[str]:
    """The other concepts a mention's words name (`_label`)."""
    also = ent.label_.partition("+")[2]
    return also.split(",") if also else []


def _in_doubt(found: tuple[TextMention, ...], otherwise: list[int]) -> tuple[TextMention, ...]:
    """The mentions, those of a sentence with a character read as another (`characters.read_otherwise`) uncertain:
    a look-alike or an accented letter may have made a word the lexicon has ("nó history of breast cancer" read as
    a denial; "bréast cancér" as a cancer), so the sentence may block a warning, never make one (a thirty-sixth
    review)."""
    if not otherwise:
        return found
    return tuple(
        replace(m, context=Context.UNCERTAIN)
        if m.context is not Context.UNCERTAIN and any(m.sentence[0] <= i < m.sentence[1] for i in otherwise)
        else m
        for m in found
    )


class TextReader(AnswersAfter, CueDoubts, CurrentState, ListScope, TimeAttachment, ValuesInWords):
    """Turns text into TextMentions. Thread-safe after construction; build once per process (it loads spaCy).

    `pipeline`: the (renewing) spaCy pipeline to read with; by default the one this process keeps for the lexicon."""

    def __init__(self, knowledge: Knowledge, cache_size: int = 4096, pipeline: RenewingPipeline | None = None) -> None:
        if knowledge.lexicon is None:
            raise ValueError("the knowledge base has no lexicon")
        self.k = knowledge
        self.lexicon: Lexicon = knowledge.lexicon
        self._roles = {cid: knowledge.concept(cid).role for cid in (*knowledge.findings, *knowledge.contraindications)}
        indications = frozenset(c for c, role in self._roles.items() if role is Role.INDICATION)
        self.pipeline = shared_pipeline(self.lexicon, indications) if pipeline is None else pipeline
        self._cervical = _words_pattern(self.lexicon.cervical_words)
        # the treatments and encounters of several words a time may belong to ("off work"), matched as whole words
        # (`_linked`; not in "kick off workouts")
        phrases = tuple(e for e in self.lexicon.durations.other_events if " " in e)
        self._event_phrases = _words_pattern(phrases) if phrases else None
        states = tuple(w for w in self.lexicon.durations.states_before if " " in w)
        self._state_phrases = _words_pattern(states) if states else None
        self._states_after = re.compile(rf"(?:{alternation(self.lexicon.durations.states_after)})(?![\w-])")
        self._present = _words_pattern(tuple(self.lexicon.present_words))
        # (not a history's word: "Hx of R shoulder arthroscopy 2020" is another thing's time, review 52b)
        history = self.lexicon.durations.history_class_words
        self._symptoms = _words_pattern(tuple(w for w in self.lexicon.symptom_words if w not in history))
        self._measures = [(m, measurement_pattern(m)) for m in self.lexicon.measurements]
        doubts = self.lexicon.doubts
        stopped_or_past = _reason_link_pattern(doubts.stopped_reason_links)  # ("no longer on chemo for", "s/p ESI for")
        self._reason_link = {
            "HYPOTHETICAL": _reason_link_pattern(doubts.reason_links),
            "NEGATED_EXISTENCE": stopped_or_past,
            "HISTORICAL": stopped_or_past,
        }
        self.read = lru_cache(maxsize=cache_size)(self._read)

    def _read(self, text: str, problem_list: bool = False) -> tuple[TextMention, ...]:
        """The mentions in `text`; `problem_list`: the text is a problem-list entry, not the order's own words.

        TextTooLong beyond MAX_TEXT_CHARS. A long text is read in parts of whole sentences (see `_parts`; the one rule
        that looks at the whole text is given it whole), so the time grows with the text's length, not its square."""
        if not text or not text.strip():
            return ()
        if len(text) > MAX_TEXT_CHARS:
            raise TextTooLong(f"a text of {len(text)} characters (more than {MAX_TEXT_CHARS}) is not read")
        foreign = self._other_language(text)
        if foreign:
            raise TextInAnotherLanguage(f"a text in another language ({', '.join(foreign)}) is not read")
        marked = plain(text)
        letters = folded(marked)
        read = collapsed(letters, text)  # markup, look-alike letters, spaces; wrapped lines: `_read_text`
        self.pipeline.renew_if_grown()  # (the words of the texts read before)
        nlp = self.pipeline.current  # one pipeline for the whole text, should a new one take over meanwhile
        found = self._read_text(nlp, _without_long_runs(read.text), problem_list, read.edges)
        found = found if read.origin is None else tuple(m.placed(read.origin) for m in found)
        return _in_doubt(found, read_otherwise(marked, letters))

    def _other_language(self, text: str) -> list[str]:
        """The words of another language the text has, when it has enough of them to be written in it (a Spanish
        reason, "dolor de cuello, cáncer de mama"): the lexicon's English would miss what it says."""
        words = self.lexicon.other_language
        if words is None:
            return []
        found = sorted({w for w in WORD.findall(text.lower()) if w in words.words})
        return found if len(found) >= words.at_least else []

    def _read_text(self, nlp: Any, text: str, problem_list: bool, edges: frozenset[int]) -> tuple[TextMention, ...]:
        """The mentions in `text`, its wrapped lines read as one (`line_wraps`), in parts if it is long. `edges`: the
        offsets of spaces that stand for a run of them inside a line (`spacing.py`); the joined breaks are added."""
        read, joined = unwrapped(text, self.lexicon.line_wraps)
        edges |= joined
        if len(read) <= PART_CHARS:
            return self._read_part(nlp, read, problem_list, read, edges)
        return tuple(
            m.shifted(start)
            for start, end in self._parts(nlp, read)
            for m in self._read_part(
                nlp, read[start:end], problem_list, read, frozenset(e - start for e in edges if start <= e < end)
            )
        )

    @staticmethod
    def _parts(nlp: Any, text: str) -> Iterator[tuple[int, int]]:
        """Offsets of runs of whole sentences of about PART_CHARS each. A run ends after a sentence that ends with a
        full stop: a few rules look past a line break or "!" ("Temp\n39.4", "x 3 wks\nPT"), none past a full stop
        (ConText's cues stop at any sentence's end; `_current` looks at the whole text, not at its part). Where no
        such sentence comes, a run ends anyway at MAX_PART_CHARS (its cost grows with its square)."""
        doc = nlp.get_pipe("sentencizer")(nlp.make_doc(text))
        start, after_full_stop = 0, False
        for sentence in doc.sents:
            if sentence.end_char - sentence.start_char > MAX_SENTENCE_CHARS:  # its cost grows with its square
                raise TextTooLong(f"a sentence of more than {MAX_SENTENCE_CHARS} characters is not read")
            length = sentence.start_char - start
            if (length >= PART_CHARS and after_full_stop) or length >= MAX_PART_CHARS:
                yield start, sentence.start_char
                start = sentence.start_char
            after_full_stop = sentence.text.rstrip().endswith(".")
        yield start, len(text)

    def _read_part(
        self, nlp: Any, text: str, problem_list: bool, whole: str, edges: frozenset[int] = frozenset()
    ) -> tuple[TextMention, ...]:
        """The mentions in `text`, a run of whole sentences of the text `whole`; `edges`: see `_read_text`."""
        doc = self._parse(nlp, text)
        doc.user_data[EDGES_KEY] = edges
        found: list[TextMention] = []
        all_ents = doc.ents  # (spaCy builds the tuple at each use)
        under_a_denial = False  # the lines after a denial's heading ("Denies:\n- fever\n- cancer")
        for sentence in doc.sents:
            ents = [e for e in all_ents if sentence.start <= e.start < sentence.end]
            listed = under_a_denial and self._listed_line(sentence)  # an item under the heading: uncertain
            under_a_denial = listed or self._denial_heading(doc, sentence, ents)
            regionless = {e.start for e in ents if self._unplaced_indication(e, sentence, problem_list)}
            kept = [e for e in ents if self._usable(e, sentence, problem_list, regionless)]
            notes = self._worsening_at_least(
                sentence, find_times(sentence.text, self.lexicon.durations, sentence.start_char)
            )
            if not kept:
                if len(ents) == 0:
                    found += self._symptom_times(sentence, notes)
                continue
            contexts = [
                _at_best(self._current(doc, sentence, e, c, whole), Context.UNCERTAIN)
                if listed
                else self._current(doc, sentence, e, c, whole)
                for e, c in zip(kept, self._contexts(doc, kept, notes), strict=True)
            ]
            denied = {e.start for e, c in zip(kept, contexts, strict=True) if c in _CARRIED or c is Context.FAMILY}
            times, unplaced = self._attach_times(doc, sentence, ents, notes, denied)  # (words not concepts too)
            contexts = [  # (an indication a problem-list entry places nowhere: it may be the neck's)
                _at_best(c, Context.UNCERTAIN) if e.start in regionless else c
                for e, c in zip(kept, contexts, strict=True)
            ]
            for e, c in zip(kept, contexts, strict=True):
                mention = self._mention(e, c, sentence, times[e.start])
                found.append(mention)
                if mention is not None:  # the other concepts its words name ("aneurysm clip": an aneurysm too)
                    found += [replace(mention, concept=other) for other in _also(e)]
            if unplaced:  # "neck pain x 5 days; intermittent for 6 months": maybe the symptoms' time
                span = (sentence.start_char, sentence.end_char)
                found.append(TextMention(SYMPTOMS, Context.UNCERTAIN, *span, span, tuple(unplaced)))
        return tuple(m for m in found if m is not None)

    def _denial_heading(self, doc: Any, sentence: Any, ents: list) -> bool:
        """Whether a sentence is a denial's heading over the lines after it: a negation cue with no mention after it
        that ends the sentence, or is followed by a mark or a denial word only ("Denies:", "ROS negative for:",
        "Review of systems: negative for", "Red flags: none", "Red flags (all absent):")."""
        words = [t for t in sentence if not t.is_space]
        while words and words[-1].text in _BULLETS:  # (the sentencizer keeps the next line's bullet: "Denies:\n*")
            words.pop()
        graph = getattr(doc._, "context_graph", None)  # (none where the doc has no mention)
        if not words or graph is None:
            return False
        if self._denied_list_ends_the_line(sentence, ents):
            return True  # ("Review of systems: negative for\nfever\nhistory of cancer": the first item joined to it)
        last = ents[-1].end if ents else sentence.start
        ending = words[-1]
        closing = ending.text in ("-", "–") or ending.text.endswith(":") or ending.lower_ in self.lexicon.denial_words
        return any(
            m.category == "NEGATED_EXISTENCE"
            and last <= m.modifier_span[0] < sentence.end
            and (closing or m.modifier_span[1] > ending.i)  # ("):" is one token: "Red flags (all absent):")
            for m in graph.modifiers
        )

    def _denied_list_ends_the_line(self, sentence: Any, ents: list) -> bool:
        """Whether a line ends with a denied mention, with no full stop: a list that may go on below it."""
        if not ents or not (sentence[-1].is_space and "\n" in sentence[-1].text):
            return False
        after = [t for t in sentence[ents[-1].end - sentence.start :] if not t.is_space]
        return all(t.lower_ in self.lexicon.list_words for t in after) and any(
            m.category == "NEGATED_EXISTENCE" for m in ents[-1]._.modifiers
        )

    def _listed_line(self, sentence: Any) -> bool:
        """Whether a line is one item of a list: it begins with a bullet or a number ("- fever", "2) cancer"), or
        besides its mentions, list words and a label's words it has at most `_ITEM_OTHER_WORDS` words ("fever", "hx of
        cancer", "history of breast cancer"; not "Hx of breast cancer s/p mastectomy 2019", a statement)."""
        words = [t for t in sentence if not t.is_space]
        if not words:
            return False
        if words[0].text in _BULLETS or (words[0].like_num and len(words) > 1 and words[1].text in (")", ".")):
            return True
        others = self._unlisted_words(words, self.lexicon.denial_label_words)
        return sum(t.ent_iob_ not in ("B", "I") for t in others) <= _ITEM_OTHER_WORDS

    def _worsening_at_least(self, sentence: Any, notes: list[TimeNote]) -> list[TimeNote]:
        """A span just after a word of worsening or after one in its phrase ("worse x 2 wks", "worse with turning, x 2
        wks", "worsening R sided neck pain x 1 wk", "progressive neck stiffness and pain x 5 days") times the worsening:
        the pain itself is at least that old, and increasing (the ACR's "acute or increasing" variants)."""
        text, words = doc_text(sentence.doc), self.lexicon.durations.worsening_words
        return [
            n.at_least(increasing=True)
            if n.days and (just_after_one_of(text, sentence, n, words) or in_phrase_before(text, sentence, n, words))
            else n
            for n in notes
        ]

    def _parse(self, nlp: Any, text: str) -> Any:
        """The spaCy pipeline, step by step, with this service's steps between medspaCy's."""
        doc = nlp.make_doc(text)
        for name, step in nlp.pipeline:
            if name == "medspacy_context":
                doc = self._measure(doc)
                if not doc.ents:  # no mention for a cue to modify: nothing of ConText's would be read
                    continue
            doc = step(doc)
            if name == "sentencizer":
                mark_question_marks(doc)
                open_sentences_at_boxes(doc)
        return doc

    def _mention(self, ent: Any, context: Context, sentence: Any, times: tuple[TimeNote, ...]) -> TextMention | None:
        concept, _, flags = ent.label_.partition("|")
        flags = flags.partition("+")[0]
        if WITHIN in flags:
            if "word" not in flags:
                return None  # a value below the threshold says nothing
            context = _at_best(context, Context.UNCERTAIN)  # "fever 99.1": the word and the value disagree
        if BORDERLINE in flags or "H" in flags:
            context = _at_best(context, Context.UNCERTAIN)  # hedged words and borderline values are never certain
        if self._roles.get(concept) is Role.INFECTION and self._other_site(ent, sentence):
            context = _at_best(context, Context.UNCERTAIN)  # "L4-5 discitis", "diabetic foot osteomyelitis"
        if concept in self.lexicon.radiating_concepts and self._spread_from_another_site(ent, sentence):
            context = _at_best(context, Context.UNCERTAIN)  # "chest pain radiating to left arm"
        if self._may_go_on(concept, context, ent, times):
            context = Context.UNCERTAIN  # "PMH: afib (xarelto)": a lasting treatment may still be taken
        if context is Context.HISTORICAL and self._roles.get(concept) is Role.INDICATION and told_chronic(times):
            context = Context.UNCERTAIN  # "Hx of chronic neck pain": a chronic pain may go on (it widens)
        return TextMention(
            concept, context, ent.start_char, ent.end_char, (sentence.start_char, sentence.end_char), times
        )

    def _may_go_on(self, concept: str, context: Context, ent: Any, times: tuple[TimeNote, ...]) -> bool:
        """Whether a history of a lasting treatment (lexicon.yaml `cues.doubts.ongoing_unless_dated`) has no time
        after it to end it ("coumadin 2015" ends; in "PMH: PE 2019 (eliquis)" the year is the PE's)."""
        return (
            context is Context.HISTORICAL
            and concept in self.lexicon.doubts.ongoing_unless_dated
            and not any(t.start >= ent.end_char for t in times)
        )

    def _spread_from_another_site(self, ent: Any, sentence: Any) -> bool:
        """Whether an arm's symptom (`radiating_from_sites.concepts`) may be another site's pain spreading to the arm: a
        site word before it in its phrase (not one of `not_before` after it: "shoulder blade"), no cervical word there,
        no diagnosis named in it ("chest pain radiating to left arm"; not "neck and shoulder pain radiating to L arm",
        "back pain and L arm radiculopathy")."""
        lexicon, doc, start = self.lexicon, ent.doc, ent.start
        if any(t.lower_.startswith(tuple(lexicon.radiating_named)) for t in ent):
            return False
        while start > sentence.start and doc[start - 1].text not in (",", ";", ".", ":"):
            start -= 1
        if self._cervical.search(doc[start : ent.end].text):
            return False
        return any(
            t.lower_ in lexicon.radiating_from_sites
            and not (t.i + 1 < len(doc) and doc[t.i + 1].lower_ in lexicon.radiating_not_before)
            for t in doc[start : ent.start]
        )

    def _other_site(self, ent: Any, sentence: Any) -> bool:
        """Whether another body site or spine region (lexicon `other_sites`) stands in the mention's phrase."""
        doc, start, end = ent.doc, ent.start, ent.end
        while start > sentence.start and doc[start - 1].text not in (",", ";"):
            start -= 1
        while end < sentence.end and doc[end].text not in (",", ";"):
            end += 1
        return any(t.lower_ in self.lexicon.other_sites for t in doc[start:end])

    def _usable(self, ent: Any, sentence: Any, problem_list: bool, regionless: set[int]) -> bool:
        """Whether a mention counts: not an ignored word; in a problem-list entry, a word that names no region
        ("radiculopathy", "fracture") only with a cervical word in its sentence, except an indication with no other
        site there, which may be the neck's (`regionless`: the starts `_unplaced_indication` found; uncertain)."""
        if concept_of(ent) == IGNORED:
            return False
        return ent.start in regionless or self._placed(ent, sentence, problem_list)

    def _placed(self, ent: Any, sentence: Any, problem_list: bool) -> bool:
        """Whether a mention is read where it is: anywhere but a problem-list entry that names no cervical region
        for a word that names no region."""
        return not (problem_list and "A" in ent.label_.partition("|")[2] and not self._cervical.search(sentence.text))

    def _unplaced_indication(self, ent: Any, sentence: Any, problem_list: bool) -> bool:
        """Whether a mention is an indication in a problem-list entry that names no region at all ("Radiculopathy",
        "Brachial radiculitis", a code we do not list shown so): it may be the neck's, or not (uncertain: it widens)."""
        return (
            not self._placed(ent, sentence, problem_list)
            and self._roles.get(concept_of(ent)) is Role.INDICATION
            and not any(t.lower_ in self.lexicon.other_sites for t in sentence)
        )

    def _contexts(self, doc: Any, ents: list, notes: list[TimeNote]) -> list[Context]:
        """Each mention's context from its ConText modifiers, carried through lists for negations and hypotheticals;
        a mention a list's cut leaves in doubt (`_lists_cut`) is uncertain, not affirmed or history; what is written
        right after a mention may answer it (`_answered_after`); where a cue's reading is doubtful (`_doubted`), the
        mention is uncertain."""
        cut, doubted, listed = self._lists_cut(doc, ents)
        together = self.lexicon.doubts.cues_together
        contexts = []
        for ent in ents:
            ordered = [m.category for m in self._modifiers(doc, ent) if (m.modifier_span, ent.start) not in cut]
            context = next((c for cat, c in PRECEDENCE if cat in ordered), Context.AFFIRMED)
            if any(pair in together for pair in combinations(ordered, 2)):
                context = Context.UNCERTAIN  # "Consider MRI if patient has history of cancer"
            elif context in (Context.AFFIRMED, Context.HISTORICAL) and ent.start in doubted:
                context = Context.UNCERTAIN
            elif context is Context.AFFIRMED and self._denied_in_a_study_phrase(doc, ent):
                context = Context.NEGATED  # "no contrast allergy": the study's "no contrast" took the denial
            contexts.append(self._answered_after(doc, ent, context))
        for i in range(1, len(ents)):
            before, ent = ents[i - 1], ents[i]
            if contexts[i - 1] not in _CARRIED or contexts[i] is not Context.AFFIRMED:
                continue
            between = [t.lower_ for t in doc[before.end : ent.start]]
            if all(t in self.lexicon.list_words for t in between) and self._kind(before) == self._kind(ent):
                # an item that reads as stated may be one more denied, or a statement ("no fever, can't hold urine");
                # a list that runs from a contraindication into another thing, or from something else into a
                # contraindication, may have ended ("no contrast allergy, fever", "no fever, pacemaker"): doubt,
                # which blocks a warning and removes a suggestion
                crossed = self._crosses_a_contraindication(before, ent)
                contexts[i] = Context.UNCERTAIN if crossed or self._asserted(doc, ent) else contexts[i - 1]
                listed.add(ent.start)
        return [
            Context.UNCERTAIN if self._doubted(doc, ent, context, ent.start in listed, notes) else context
            for ent, context in zip(ents, contexts, strict=True)
        ]

    def _denied_in_a_study_phrase(self, doc: Any, ent: Any) -> bool:
        """Whether a contraindication is denied by a negation that a study's contrast phrase took as its own ("no
        contrast allergy", "no gad allergy": the cue "no contrast" of "MRI no contrast" overlaps the mention)."""
        if self._roles.get(concept_of(ent)) is not Role.CONTRAINDICATION:
            return False
        denials = self.lexicon.present_denials
        return any(
            start < ent.start < end and doc[start].lower_ in denials
            for start, end in (m.modifier_span for m in doc._.context_graph.modifiers)
        )

    def _crosses_a_contraindication(self, before: Any, ent: Any) -> bool:
        """Whether a list runs from one mention to the next across a contraindication's edge: one of them is a
        contraindication and the other is not the same concept."""
        roles = (self._roles.get(concept_of(before)), self._roles.get(concept_of(ent)))
        return Role.CONTRAINDICATION in roles and concept_of(before) != concept_of(ent)
