"""Read clinical text into mentions of the same concepts the code lists produce, each with its context (policy §8).

medspaCy does the reading: a blank English spaCy pipeline, a rule-based sentence splitter, the TargetMatcher with
the lexicon's words and ConText with its default cues (minus those the lexicon drops) plus the lexicon's own. Around
them, rules of this service, each small: a question mark written against a word ("abscess??") questions that word
and ends the clause; values written in words ("T 38.5", "CRP 94") are read against the lab rules; a negation or a
hypothetical runs on through a list of mentions of the same kind ("no fever, chills or weight loss") but never into
a mention of another kind ("no trauma, neck pain x3 wks"); hedged words ("tumor") are uncertain at best;
region-agnostic words ("radiculopathy") count in a problem-list entry only beside a cervical word; a time
expression belongs to the nearest mention in its clause. The pipeline is built once per process, and again in the
background once the texts read have added MAX_NEW_STRINGS words to its vocabulary (pipeline_renewal.py); a text read
once is not read again.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache, partial
from itertools import combinations, pairwise
from typing import Any

from cds_service.engine.text import first_token_index
from cds_service.engine.text.characters import folded, read_otherwise
from cds_service.engine.text.line_wraps import unwrapped
from cds_service.engine.text.markup import plain
from cds_service.engine.text.pipeline_renewal import RenewingPipeline
from cds_service.engine.text.spacing import collapsed
from cds_service.engine.text.times import AT_LEAST_DAYS, TimeNote, find_times
from cds_service.knowledge.model import (
    IGNORED,
    Context,
    CueRule,
    Knowledge,
    Lexicon,
    MeasurementWords,
    Role,
    TermRule,
    UnnamedValues,
)

# ConText categories -> contexts, in order of precedence when several cues modify a mention
_PRECEDENCE = (
    ("NEGATED_EXISTENCE", Context.NEGATED),
    ("HYPOTHETICAL", Context.HYPOTHETICAL),
    ("FAMILY", Context.FAMILY),
    ("POSSIBLE_EXISTENCE", Context.UNCERTAIN),
    ("HISTORICAL", Context.HISTORICAL),
)
_CATEGORY = {context: category for category, context in _PRECEDENCE}
_CARRIED = (Context.NEGATED, Context.HYPOTHETICAL)  # contexts a list carries on ("no X, Y or Z")
_LISTING = ("NEGATED_EXISTENCE", "HYPOTHETICAL")  # cue categories whose scope runs through a comma-separated list
_SENTENCE_ENDS = [".", "!", "\n", "\n\n"]
_ELLIPSES = frozenset({"..", "...", "....", "…"})  # may end a statement, or only pause in it
# marks typed between words without a space, which spaCy's English infixes leave glued ("x2wks&fever", "pain;fever",
# "wt↓6kg"): split off; "+" only before a word of three letters ("pain+fever"; not "B27+ve")
_ARROWS = r"[↓↑⬇⬆→←]"  # a word of their own ("↓ power", "DTRs ↑.", "T↑ 38.7")
_GLUED_MARKS = (
    r"(?<=\w)[;|*!&](?=[^\W\d_])",
    r"(?<=\w)\+(?=[^\W\d_]{3})",
    _ARROWS,
    r"(?<=[^\W\d_])\((?=[^\W\d_])",
)
_EDGE_MARKS = (_ARROWS, r"[|•·]")  # a word of their own at a word's edge too ("No fever| breast ca", "|fever")
_LIST_END = "LIST_END"  # a cue that only ends a negation's or a hypothetical's list ("+", "other than")
_ITEM_JOINS = frozenset({",", "or", "and", "nor", "&", "/"})  # join one item of a list to the next
_PHRASE_MARKS = frozenset({",", ":", "-", "--", "–", "—"})  # end a phrase of a clause (";" ends the clause)
_ENDS = frozenset({",", ";", ".", "!", "?", ")", ":"})  # end what a word says
_STATEMENT_ENDS = frozenset({".", ";", "!", "?", "|", "•", "·"})  # end a statement (a number after one is another's)
_PHRASE_OPENING = re.compile(r",|\s[-–—]+\s")  # a comma or a spaced dash opens a phrase of a clause
_TIME_START = re.compile(r"^(?:x?\d|x$)")  # "3", "x3wks", "x"
_QUESTION = frozenset({"?", "??", "???"})
_AFTER = "?after"
SYMPTOMS = "symptoms"  # the concept of a sentence that names no concept but gives the symptoms' duration
QUOTE_CHARS = 140
MAX_TEXT_CHARS = 20_000  # longer is unreadable (insufficient-data); an order's reason or a note is far shorter
PART_CHARS = 1_000  # a long text is read in parts of whole sentences of about this size
MAX_PART_CHARS = 3_000  # a part without a sentence ending with a full stop to end it ends here
MAX_SENTENCE_CHARS = 3_000  # a longer sentence in a long text is unreadable
MAX_NEW_STRINGS = 100_000  # words the texts may add to the pipeline's vocabulary (~50 MiB) before it is built again
_PHRASE_ENDS = frozenset({"-", "--", "–", "—", ":", ";"})  # a cue written after a mention does not reach past these
_WORD = re.compile(r"[\w/'+~>-]+")
_PHRASE_REACH = 14  # words before a time in its phrase where a word of worsening may stand
_MANNER_REACH = 5  # tokens after a denied mention where a manner word may stand ("... eliquis as often as prescribed")
_LEVEL = re.compile(r"^c[1-8](-c?[1-8]|-t1)?$")  # C5, C5-6, C5-C6, C7-T1
BORDERLINE, WITHIN = "B", "W"
_TEXT_KEY = "cds_service.text"  # the doc's text, kept in its user_data by _text
_EDGES_KEY = "cds_service.edges"  # offsets of edges (`_padded_between`) in a doc's user_data


class TextNotRead(ValueError):
    """A text the reader does not read: the data is there but cannot be read."""


class TextTooLong(TextNotRead):
    """A text longer than the reader reads."""


class TextInAnotherLanguage(TextNotRead):
    """A text written (at least in part) in another language than the lexicon's (lexicon.yaml `other_language`)."""


@dataclass(frozen=True)
class TextMention:
    """A concept read in a text: where (character offsets), in which context, and the time words beside it."""

    concept: str
    context: Context
    start: int
    end: int
    sentence: tuple[int, int]  # offsets of its sentence
    times: tuple[TimeNote, ...] = ()

    def shifted(self, by: int) -> TextMention:
        """The same mention in a text that begins `by` characters earlier."""
        start, end = self.sentence
        times = tuple(replace(t, start=t.start + by, end=t.end + by) for t in self.times)
        return replace(self, start=self.start + by, end=self.end + by, sentence=(start + by, end + by), times=times)

    def placed(self, origin: Sequence[int]) -> TextMention:
        """The same mention in the text as written, `origin` giving each offset of the text read (and its length)."""
        start, end = self.sentence
        times = tuple(replace(t, start=origin[t.start], end=origin[t.end]) for t in self.times)
        return replace(
            self, start=origin[self.start], end=origin[self.end], sentence=(origin[start], origin[end]), times=times
        )

    def quote(self, text: str) -> str:
        """The sentence the mention stands in (cut to a short excerpt around it)."""
        start, end = self.sentence
        if end - start > QUOTE_CHARS:
            start = max(start, self.start - QUOTE_CHARS // 2)
            end = min(end, start + QUOTE_CHARS)
        return " ".join(text[start:end].split())


class TextReader:
    """Turns text into TextMentions. Thread-safe after construction; build once per process (it loads spaCy).

    `pipeline`: the (renewing) spaCy pipeline to read with; by default the one this process keeps for the lexicon."""

    def __init__(self, knowledge: Knowledge, cache_size: int = 4096, pipeline: RenewingPipeline | None = None) -> None:
        if knowledge.lexicon is None:
            raise ValueError("the knowledge base has no lexicon")
        self.k = knowledge
        self.lexicon: Lexicon = knowledge.lexicon
        self._roles = {cid: knowledge.concept(cid).role for cid in (*knowledge.findings, *knowledge.contraindications)}
        indications = frozenset(c for c, role in self._roles.items() if role is Role.INDICATION)
        self.pipeline = _shared_pipeline(self.lexicon, indications) if pipeline is None else pipeline
        self._cervical = _words_pattern(self.lexicon.cervical_words)
        # the treatments and encounters of several words a time may belong to ("off work"), matched as whole words
        # (`_linked`; not in "kick off workouts")
        phrases = tuple(e for e in self.lexicon.durations.other_events if " " in e)
        self._event_phrases = _words_pattern(phrases) if phrases else None
        states = tuple(w for w in self.lexicon.durations.states_before if " " in w)
        self._state_phrases = _words_pattern(states) if states else None
        self._states_after = re.compile(rf"(?:{_alternation(self.lexicon.durations.states_after)})(?![\w-])")
        self._present = _words_pattern(tuple(self.lexicon.present_words))
        self._symptoms = _words_pattern(tuple(self.lexicon.symptom_words))
        self._measures = [(m, _measurement_pattern(m)) for m in self.lexicon.measurements]
        doubts = self.lexicon.doubts
        stopped_or_past = _reason_link_pattern(doubts.stopped_reason_links)  # ("no longer on chemo for", "s/p ESI for")
        self._reason_link = {
            "HYPOTHETICAL": _reason_link_pattern(doubts.reason_links),
            "NEGATED_EXISTENCE": stopped_or_past,
            "HISTORICAL": stopped_or_past,
        }
        self.read = lru_cache(maxsize=cache_size)(self._read)

    # -- one text ------------------------------------------------------------------------------------
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
        found = self._read_text(nlp, read.text, problem_list, read.edges)
        found = found if read.origin is None else tuple(m.placed(read.origin) for m in found)
        return _in_doubt(found, read_otherwise(marked, letters))

    def _other_language(self, text: str) -> list[str]:
        """The words of another language the text has, when it has enough of them to be written in it (a Spanish
        reason, "dolor de cuello, cáncer de mama"): the lexicon's English would miss what it says."""
        words = self.lexicon.other_language
        if words is None:
            return []
        found = sorted({w for w in _WORD.findall(text.lower()) if w in words.words})
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
        doc.user_data[_EDGES_KEY] = edges
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
        the pain itself is at least that old."""
        text, words = _text(sentence.doc), self.lexicon.durations.worsening_words
        return [
            replace(n, days=(n.days[0], AT_LEAST_DAYS))
            if n.days and (_just_after_one_of(text, sentence, n, words) or _in_phrase_before(text, sentence, n, words))
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
                _mark_question_marks(doc)
                _open_sentences_at_boxes(doc)
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
        if context is Context.HISTORICAL and self._roles.get(concept) is Role.INDICATION and _told_chronic(times):
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
        if _concept(ent) == IGNORED:
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
            and self._roles.get(_concept(ent)) is Role.INDICATION
            and not any(t.lower_ in self.lexicon.other_sites for t in sentence)
        )

    # -- context ---------------------------------------------------------------------------------------
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
            context = next((c for cat, c in _PRECEDENCE if cat in ordered), Context.AFFIRMED)
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
        if self._roles.get(_concept(ent)) is not Role.CONTRAINDICATION:
            return False
        denials = self.lexicon.present_denials
        return any(
            start < ent.start < end and doc[start].lower_ in denials
            for start, end in (m.modifier_span for m in doc._.context_graph.modifiers)
        )

    def _crosses_a_contraindication(self, before: Any, ent: Any) -> bool:
        """Whether a list runs from one mention to the next across a contraindication's edge: one of them is a
        contraindication and the other is not the same concept."""
        roles = (self._roles.get(_concept(before)), self._roles.get(_concept(ent)))
        return Role.CONTRAINDICATION in roles and _concept(before) != _concept(ent)

    def _answered_after(self, doc: Any, ent: Any, context: Context) -> Context:
        """A mention's context as what is written right after it answers it: a denial ("malignancy - no") negates, one
        that names its source ("Mets: neg on bone scan": the finding's denial or one test's) or ends at a flowsheet's
        next field leaves it uncertain, and so do a relative as the whole answer ("Prostate ca - father;": the
        relative's, or the patient's with the relative at the bedside) and a mark of presence after a denied or past
        mention ("denies fever, HIV positive", "hx IVDU (active)"). A checkbox answer or a denial after the
        parenthesis it stands in leaves any mention uncertain (`_boxed_after`, `_list_denied_after`)."""
        if context is not Context.FAMILY and (
            self._boxed_after(doc, ent) or self._list_denied_after(doc, ent) or self._listed_before_a_denial(doc, ent)
        ):
            return Context.UNCERTAIN
        denial = self._denied_after(doc, ent)
        stated = context in (Context.AFFIRMED, Context.HISTORICAL)
        if denial is _Answer.CLOSES:
            return Context.NEGATED
        if denial is _Answer.SOURCED and stated:
            return Context.UNCERTAIN
        if stated and self._answered_by_a_relative(doc, ent):
            return Context.UNCERTAIN  # the relative's, or said to them ("Breast ca - mother at bedside")
        if context in (Context.NEGATED, Context.HYPOTHETICAL, Context.HISTORICAL) and self._marked_present(doc, ent):
            return Context.UNCERTAIN
        return context

    def _doubted(self, doc: Any, ent: Any, context: Context, listed: bool, notes: list[TimeNote]) -> bool:
        """Whether a cue's reading of a mention is doubtful (lexicon.yaml `cues.doubts`): a mention with only its time
        after it, questioned by a mark standing apart (`_line_questioned`); what a planned or stopped treatment is for
        ("planning chemo for lymphoma", "no longer on chemo for breast ca"), and what a past treatment or test of an
        indication was for ("s/p ESI for C6 radiculopathy": it may be there still); a relative's word before an injury
        ("picked up daughter and fell"); an injury a negation reaches through a list, told with its date ("no trauma
        and fell yesterday"); a denial that ended ("never had arm weakness until last week": `until_words` after the
        mention in its clause). `listed`: the negation reached another mention first."""
        if (
            context is Context.HISTORICAL
            and self._roles.get(_concept(ent)) is Role.INDICATION
            and self._after_reason_link(doc, ent, "HISTORICAL")
        ):
            return True  # what a past treatment or test was for may still be there ("s/p ESI for C6 radiculopathy")
        if context in (Context.AFFIRMED, Context.HISTORICAL):
            return _line_questioned(_text(doc), ent.end_char, ent.sent.end_char, notes)
        if context in (Context.HYPOTHETICAL, Context.NEGATED) and (
            self._after_reason_link(doc, ent, _CATEGORY[context]) or self._contraindication_told(doc, ent, context)
        ):
            return True
        if context is Context.NEGATED and (
            self._until_after(doc, ent)
            or self._time_bounded(doc, ent, notes)
            or self._another_thing_denied(doc, ent)
            or self._status_denied(doc, ent)
            or self._another_verb_denied(doc, ent)
            or self._denied_across_an_ellipsis(doc, ent)
        ):
            return True
        event = _concept(ent) in self.lexicon.doubts.events
        if context is Context.FAMILY:
            return (
                self._patient_named(doc, ent, event)
                or (self._cause_after_relative(doc, ent) and not self._relative_is_subject(doc, ent))
                or (event and not self._relative_is_subject(doc, ent))
            )
        if not event:
            return False
        return context is Context.NEGATED and listed and self._dated_event(doc, ent, notes)

    def _contraindication_told(self, doc: Any, ent: Any, context: Context) -> bool:
        """Whether a negation or a hypothetical may tell a contraindication rather than deny or suppose it: a cue in the
        mention's own words ("can't have MRI", "not a candidate for MRI"), or, for a negation before the mention,
        other words than `contraindication_denial_words` and other mentions of the same concept between them
        ("cannot undergo MRI due to pacemaker", "no fever or chills, pacemaker": the list may have ended; not "no
        pacemaker", "denies having a pacemaker or ICD", "no pacemaker, defibrillator")."""
        if self._roles.get(_concept(ent)) is not Role.CONTRAINDICATION:
            return False
        words = self.lexicon.doubts.contraindication_denial_words
        listed = {t.i for other in doc.ents if _concept(other) == _concept(ent) for t in other}
        for modifier in ent._.modifiers:
            start, end = modifier.modifier_span
            if modifier.category != _CATEGORY[context] or start >= ent.end:
                continue  # a denial after the mention ("pacemaker: none") denies it
            if end > ent.start:
                return True  # the mention's own words hold the cue
            between = doc[end : ent.start]
            if context is Context.NEGATED and any(
                t.lower_ not in words and t.i not in listed and not t.is_space for t in between
            ):
                return True
        return False

    def _denied_across_an_ellipsis(self, doc: Any, ent: Any) -> bool:
        """Whether a negation reaches its mention across an ellipsis ("No trauma.. night pain", "Denies fever...
        weight loss"): the statement may have ended there, or not (uncertain: it blocks, never warns; an ellipsis read
        as a sentence's end cut "r/o... mets" from its cue and made a cancer certain: a review 32)."""
        return any(
            modifier.category == "NEGATED_EXISTENCE"
            and modifier.modifier_span[1] <= ent.start
            and any(t.text in _ELLIPSES for t in doc[modifier.modifier_span[1] : ent.start])
            for modifier in ent._.modifiers
        )

    def _until_after(self, doc: Any, ent: Any) -> bool:
        """Whether a word of `until_words` follows a mention in its clause ("no weakness until last week")."""
        words = self.lexicon.doubts.until_words
        return any(token.lower_ in words for token in _phrase_after(doc, ent))

    def _time_bounded(self, doc: Any, ent: Any, notes: list[TimeNote]) -> bool:
        """Whether a denial is bounded by a span of time after its mention in its clause, which says the thing was
        there before it ("hasn't used heroin in 2 days", "no fever in 3 days": `since_links`); not a window that
        reaches the order ("no trauma in the past 6 wks", "within 6 weeks": `window_words`), nor an injury's denial
        (`doubts.events`: "no trauma in 6 weeks" is a window too)."""
        doubts, text = self.lexicon.doubts, _text(doc)
        if _concept(ent) in doubts.events:
            return False
        for note in notes:
            if note.days is None or note.start < ent.end_char or note.start >= ent.sent.end_char:
                continue
            between = text[ent.end_char : note.start]
            if any(mark in between for mark in ",;.!"):
                continue  # another clause's time
            words = _WORD.findall(f"{between} {text[note.start : note.end]}".lower())
            if any(w in doubts.window_words for w in words):
                continue
            links = [i for i, w in enumerate(words) if w in doubts.since_links]
            if links and links[0] <= 1:  # at most one word between ("no heroin use in 2 days")
                return True
        return False

    def _status_denied(self, doc: Any, ent: Any) -> bool:
        """Whether a negation may be of a finding's course, named right after it ("no sign of breast ca recurrence", "no
        lymphoma relapse": `present_words`), or of how a treatment is taken, named in the next words of its clause
        ("doesn't take her eliquis regularly", "not on xarelto every day": `doubts.manner_words`), not of the
        finding."""
        following = doc[ent.end : ent.end + 1]
        if following and following[0].lower_ in self.lexicon.present_words:
            return True
        return _holds_phrase(_phrase_after(doc, ent, _MANNER_REACH), self.lexicon.doubts.manner_words)

    def _another_verb_denied(self, doc: Any, ent: Any) -> bool:
        """Whether a mention's denial is a bare "not" / "n't" after a verb of doing or a modal (`not_auxiliaries`)
        followed by a verb that is no denial's (`denial_verbs`) and not the mention itself: "Don't want to miss
        epidural abscess", "couldn't exclude myelopathy", "won't stop taking eliquis" deny the wanting, the excluding,
        the stopping; "doesn't have fever", "did not report weakness", "didn't fall" deny the finding. A denial's verb
        with other words and "for" before the finding denies those ("hasn't had imaging for her fall")."""
        doubts = self.lexicon.doubts
        for modifier in ent._.modifiers:
            start, end = modifier.modifier_span
            if modifier.category != "NEGATED_EXISTENCE" or end > ent.start or doc[start].lower_ not in ("not", "n't"):
                continue
            if start == 0 or doc[start - 1].lower_ not in doubts.not_auxiliaries:
                continue
            if end == start + 1 and end < ent.start and doc[end].lower_ not in doubts.denial_verbs:
                return True
            verb_end = end if end > start + 1 else end + 1  # (ConText's cue may hold the verb: "n't had")
            reason = next((t.i for t in doc[verb_end : ent.start] if t.lower_ == "for"), None)
            if reason is not None and self._unlisted_words(doc[verb_end:reason]):
                return True  # "hasn't had imaging for her fall": the imaging is denied, the fall is told
        return False

    def _another_thing_denied(self, doc: Any, ent: Any) -> bool:
        """Whether a negation before a mention denies something else that came from, after or since it ("No
        complications from ACDF", "No surgery since ACDF 2019": `negation_links` after other words)."""
        links = self.lexicon.doubts.negation_links
        for modifier in ent._.modifiers:
            end = modifier.modifier_span[1]
            if modifier.category != "NEGATED_EXISTENCE" or end > ent.start:
                continue
            between = doc[end : ent.start]
            link = next((t.i for t in between if t.lower_ in links), None)
            if link is not None and self._unlisted_words(doc[end:link]):
                return True
        return False

    def _patient_named(self, doc: Any, ent: Any, event: bool) -> bool:
        """Whether the patient is named between a family cue and its mention ("Sister has cancer and pt has hx breast
        ca"), or, for an injury, anywhere in its sentence ("Son had MVC, pt was passenger"): `patient_words`."""
        words = self.lexicon.doubts.patient_words
        if event:
            return any(t.lower_ in words for t in ent.sent)
        return any(
            m.category == "FAMILY"
            and any(t.lower_ in words for t in doc[min(m.modifier_span[1], ent.start) : ent.start])
            for m in ent._.modifiers
        )

    def _cause_after_relative(self, doc: Any, ent: Any) -> bool:
        """Whether a cause (`doubts.cause_links`) stands between a family cue and its mention ("can't lift grandchild
        due to radicular arm pain"): what follows it may be the patient's, not the relative's (unless the relative is
        the subject: "mom had ACDF because of myelopathy", `_relative_is_subject`)."""
        links = self.lexicon.doubts.cause_links
        return any(
            m.category == "FAMILY"
            and m.modifier_span[1] < ent.start
            and _holds_phrase(doc[m.modifier_span[1] : ent.start], links)
            for m in ent._.modifiers
        )

    def _relative_is_subject(self, doc: Any, ent: Any) -> bool:
        """Whether the relative of a family cue is the subject of what follows ("son was in MVC", "sister had
        whiplash"; a word of `relative_subject_words` in the cue or right after it), not someone the patient was with
        ("picked up daughter and fell"), nor one the patient is with ("pt and son had MVC": `companions` before it)."""
        doubts = self.lexicon.doubts
        subject_words = doubts.relative_subject_words
        return any(
            m.category == "FAMILY"
            and not (m.modifier_span[0] > 0 and doc[m.modifier_span[0] - 1].lower_ in doubts.companions)
            and any(
                t.lower_ in subject_words for t in doc[m.modifier_span[0] + 1 : min(m.modifier_span[1] + 1, len(doc))]
            )
            for m in ent._.modifiers
        )

    def _after_reason_link(self, doc: Any, ent: Any, category: str) -> bool:
        """Whether a reason link ("for", "due to", "(") stands in a mention's phrase at most three words before it, with
        other words between the mention's cue of `category` and the link: the reason a planned or stopped treatment is
        for ("planning chemo for lymphoma", "planned radiation for prostate cancer", "No longer on chemo for breast
        ca"; not "watch for fever", "return for fever", "no need for PT")."""
        text = _text(doc)
        phrase_start = max(text.rfind(mark, ent.sent.start_char, ent.start_char) for mark in ",;.") + 1
        links = list(self._reason_link[category].finditer(text, max(phrase_start, ent.sent.start_char), ent.start_char))
        if not links:
            return False
        found = links[-1]  # the last link before the mention
        link = doc.char_span(found.start("link"), found.end("link"), alignment_mode="expand")
        # between the cue and the link: other words for a plan ("scheduled for resection of"), another mention for a
        # negation (the stopped treatment: "no longer on chemo for"; not "no concern for infection")
        negated = category == "NEGATED_EXISTENCE"
        return link is not None and any(
            m.category == category
            and any(t.ent_iob_ == "B" if negated else self._plan_word(t) for t in doc[m.modifier_span[1] : link.start])
            for m in ent._.modifiers
        )

    def _plan_word(self, token: Any) -> bool:
        """A word that can name what a plan does ("resection", "chemo"; not "signs", "given": `link_fillers`)."""
        word = token.lower_
        return token.is_alpha and word not in self.lexicon.list_words and word not in self.lexicon.doubts.link_fillers

    def _dated_event(self, doc: Any, ent: Any, notes: list[TimeNote]) -> bool:
        """Whether a time that dates an event ("4 days ago", "yesterday", "on 11/2", a date, "2 days prior") or a day
        ("Tuesday", "over the weekend": `event_days`) follows a mention in its phrase (no `,` `;` or other mention
        between)."""
        for token in doc[ent.end : min(ent.end + 4, ent.sent.end)]:
            if token.text in _ENDS or token.ent_iob_ == "B":
                break
            if token.lower_ in self.lexicon.doubts.event_days:
                return True
        text = _text(doc)
        for note in notes:
            if note.start < ent.end_char or any(mark in text[ent.end_char : note.start] for mark in ",;("):
                continue
            if any(t.ent_iob_ == "B" for t in doc.char_span(ent.end_char, note.start, alignment_mode="expand") or ()):
                continue
            following = _WORD.match(text[note.end :].lstrip(" '’"))
            words = set(_WORD.findall(text[note.start : note.end].lower()))
            if following:
                words.add(following.group().lower())
            if note.year is not None or note.month is not None or words & self.lexicon.doubts.event_times:
                return True
        return False

    def _marked_present(self, doc: Any, ent: Any) -> bool:
        """ "HIV positive", "weight loss: yes", "IVDU (active)", "HIV+": a mark of presence ending the mention or right
        after it."""
        marks = self.lexicon.presence_marks
        words = [t.lower_ for t in doc[ent.end : ent.end + 2]]
        return (
            doc[ent.end - 1].lower_ in marks
            or doc[ent.end - 1].text.endswith("+")
            or (bool(words) and words[0] in marks)
            or (len(words) == 2 and words[0] in (":", "-", "(") and words[1] in marks)
        )

    def _boxed_after(self, doc: Any, ent: Any) -> bool:
        """Whether a checkbox, a tick or a blank field answers a mention (`answer_boxes`, `blank_answers`; its
        label's words and a mark may stand between): "History of cancer: [ ] yes [x] no", "Hx of cancer ☐ Fever ☐"
        (which box is ticked, and whether a box before or after its item is its own, the reader cannot tell)."""
        lexicon = self.lexicon
        i = self._past(doc, ent.end, lexicon.denial_label_words)
        marked = i < len(doc) and doc[i].text in lexicon.denial_marks
        rest = [t.lower_ for t in doc[i + marked : i + marked + 5]]
        if marked and (not rest or not rest[0].strip()):
            return True  # "Cancer:" and nothing after it on its line: a field left blank
        return bool(rest) and (
            rest[0][:1] in lexicon.answer_boxes
            or (marked and _begins_with(rest, lexicon.blank_after_mark))  # "Cancer: -", "Cancer: TBD"
            or _begins_with(rest, lexicon.blank_anywhere)  # "Cancer: yes/no", "Malignancy (Y/N): N"
        )

    def _list_denied_after(self, doc: Any, ent: Any) -> bool:
        """Whether a denial follows the parenthesis a mention stands in ("Red flags (hx cancer, fever, IVDU) - none":
        it may deny the list or answer the label)."""
        text, sentence, lexicon = _text(doc), ent.sent, self.lexicon
        opened = text.rfind("(", sentence.start_char, ent.start_char)
        closed = text.find(")", ent.end_char, sentence.end_char)
        if opened < 0 or closed < 0 or ")" in text[opened : ent.start_char] or "(" in text[ent.end_char : closed]:
            return False
        after = doc.char_span(closed, closed + 1, alignment_mode="expand")[0]
        i = after.i + 1  # (spaCy keeps "):" as one token, an emoticon's)
        i += after.text == ")" and i < len(doc) and doc[i].text in lexicon.denial_marks
        return i < len(doc) and doc[i].lower_ in lexicon.denial_words

    def _denied_after(self, doc: Any, ent: Any) -> _Answer:
        """ "malignancy - no", "Hx cancer: denies", "Cancer hx: none known", "Cancer (no)": a mark and a denial word
        close the mention's clause (a label's words may stand before the mark, `between_words` after it,
        `after_words` after the denial); see `_answer_end`. A denial that goes on leaves a finding uncertain, and an
        indication too where a line break or a mark follows it, unless it is of what follows (`_denies_what_follows`).
        """
        lexicon = self.lexicon
        i = self._past(doc, ent.end, lexicon.denial_label_words)
        if self._parenthesised_denial(doc, i):  # "IVDU (no) - relapsed": taken back
            return _Answer.SOURCED if self._contradicted_after(doc, i + 3) else _Answer.CLOSES
        if i >= len(doc):
            return _Answer.OPEN
        marked = self._denial_mark(doc, i)
        if marked:
            i = self._past(doc, i + 1, lexicon.denial_between_words)
        if i >= len(doc):
            return _Answer.OPEN
        word = doc[i].lower_
        if not marked or word in lexicon.unread_answers:
            return self._unread_answer(doc, ent, i)
        if word not in lexicon.denial_words:
            return _Answer.OPEN
        answer = self._answer_end(doc, i + 1)
        if answer is _Answer.CLOSES and self._contradicted_after(doc, i + 1):
            return _Answer.SOURCED  # "Hx ca: pt says no, wife says yes", "Breast ca: nope, cured"
        if answer is not _Answer.OPEN or self._denies_what_follows(doc, i + 1):
            return answer
        if self._kind(ent) != "indication" or _stops_at(doc, i + 1):
            return _Answer.SOURCED  # "Hx cancer: denies\nTriage ESI 3", "CGH: no (per pt)": maybe of what follows
        return answer  # "neck pain - no radiation": the neck pain is told

    def _unread_answer(self, doc: Any, ent: Any, i: int) -> _Answer:
        """SOURCED (uncertain) when token `i`, right after a finding (or its mark), is an answer the reader does not
        take as a denial and closes the clause: one of `unread_answers` ("Hx of cancer 0", "Cancer: not", "cancer
        history unremarkable") or a denial word without a mark ("Hx cancer no", "trauma denied"). Not an
        indication's."""
        lexicon = self.lexicon
        word = doc[i].lower_
        if self._kind(ent) == "indication" or (word not in lexicon.unread_answers and word not in lexicon.denial_words):
            return _Answer.OPEN
        return _Answer.OPEN if self._answer_end(doc, i + 1) is _Answer.OPEN else _Answer.SOURCED

    def _parenthesised_denial(self, doc: Any, i: int) -> bool:
        """Whether a denial word stands alone in parentheses at token `i` ("Cancer (no)", "Hx CA (N)"; not "(-)", a
        template's mark, which is uncertain)."""
        words = doc[i : i + 3]
        return (
            len(words) == 3
            and words[0].text == "("
            and words[2].text.startswith(")")
            and words[1].is_alpha
            and words[1].lower_ in self.lexicon.denial_words
        )

    def _denial_mark(self, doc: Any, i: int) -> bool:
        """Whether token `i` is a mark before a trailing denial: one of `marks`, or a list's mark glued to both words
        ("hx ca;no", "Hx ca|no")."""
        token = doc[i]
        if token.lower_ in self.lexicon.denial_marks:
            return True
        glued = i > 0 and not doc[i - 1].whitespace_ and not token.whitespace_
        return glued and token.text in (";", "|", "&", "/", "!")

    def _contradicted_after(self, doc: Any, i: int) -> bool:
        """Whether the clause after a denial's closing comma takes it back (`contradictions`: "Hx ca: pt says no, wife
        says yes", "fever: nope, still"; not another field, "Fever: no, Trauma: yes")."""
        if i >= len(doc) or doc[i].text not in (",", "-", "–", "—"):
            return False
        for token in doc[i + 1 : doc[i].sent.end]:
            if token.text in (",", ";", ".", "!", "|", ":", "=", "-"):
                return False  # (the clause's end, or another field's answer: "Fever: no, Trauma: yes")
            if token.lower_ in self.lexicon.denial_contradictions:
                return True
        return False

    def _denies_what_follows(self, doc: Any, i: int) -> bool:
        """Whether a denial that goes on at token `i` is of what follows (`denies_next`, `present_words`): "Hx breast
        ca - no\nrecurrence since 2016", "hx lymphoma: no evidence of disease"."""
        following = next((t.lower_ for t in doc[i:] if not t.is_space), "")
        return following in self.lexicon.denial_denies_next or following in self.lexicon.present_words

    def _listed_before_a_denial(self, doc: Any, ent: Any) -> bool:
        """Whether a finding is one of a list (items joined by `,` `/` "and" ...) that a mark and a denial closing its
        clause answer after its last ("Hx ca/IVDU/steroids: none", "Hx ca, IVDU, steroids - all neg"; not "radicular
        arm pain, pacemaker - no MRI"): it may be the list's denial or the last item's. (An indication stays told.)"""
        lexicon, items, i = self.lexicon, 0, ent.end
        while i < min(len(doc), ent.end + _LISTED_TOKENS):
            token = doc[i]
            if token.lower_ in _ITEM_JOINS:
                items += 1
            elif not token.is_alpha and token.ent_iob_ not in ("B", "I"):
                break
            i += 1
        if not items or i >= len(doc) or doc[i].text not in lexicon.denial_marks or self._kind(ent) == "indication":
            return False
        i = self._past(doc, i + 1, lexicon.denial_between_words)
        return (
            i < len(doc) and doc[i].lower_ in lexicon.denial_words and self._answer_end(doc, i + 1) is not _Answer.OPEN
        )

    def _answered_by_a_relative(self, doc: Any, ent: Any) -> bool:
        """Whether a relative is the whole answer after a finding (`relative_answers`: "Prostate ca - father;", "Breast
        cancer: mother, aunt", "Leukemia - brother, deceased"; not "lung ca - daughter is HCP", "Breast ca - mother at
        bedside"); not an indication's ("neck pain, mother drove her"). Without a mark, the row of a family-history
        table ("Cancer Mother 62", "Breast cancer<tab>Mother<tab>55", "Colon cancer Paternal Uncle"): the relative
        then ends its line or stands before an age (not "breast cancer mother of 3")."""
        answers = self.lexicon.relative_answers
        i = self._past(doc, ent.end, self.lexicon.denial_label_words)
        if answers is None or self._kind(ent) == "indication" or i >= len(doc):
            return False
        marked = doc[i].text in answers.marks
        start = self._past(doc, i + 1 if marked else i, answers.lineage, most=1)
        relative = next(
            (m for m in doc._.context_graph.modifiers if m.category == "FAMILY" and m.modifier_span[0] == start), None
        )
        if relative is None:
            return False
        end = relative.modifier_span[1]
        if end >= len(doc) or doc[end].is_space or doc[end].is_sent_start or doc[end].lower_ in answers.then:
            return True
        return doc[end].text in _ENDS if marked else doc[end].like_num and "\n" not in doc[start - 1].text

    def _answer_end(self, doc: Any, i: int) -> _Answer:
        """How a denial written after a mention goes on from token `i`: it closes the clause (`after_words` may stand
        between), names its source ("ruled out on PET": `source_words`), or goes on about something else."""
        lexicon = self.lexicon
        i = self._past(doc, i, lexicon.denial_after_words)
        if self._clause_ends_at(doc, i):
            return _Answer.CLOSES
        if doc[i].lower_ in lexicon.denial_source_words or _field_starts_after(doc, i):
            return _Answer.SOURCED  # (a flowsheet's next field may answer it again: "Fever: no  Wife reports: yes")
        return _Answer.OPEN

    @staticmethod
    def _past(doc: Any, i: int, words: frozenset[str], most: int = 3) -> int:
        """The first token from `i` on that is not one of `words` (at most `most` skipped)."""
        end = min(i + most, len(doc))
        while i < end and doc[i].lower_ in words:
            i += 1
        return i

    def _current(self, doc: Any, sentence: Any, ent: Any, context: Context, whole: str) -> Context:
        """History that is current: a drug "on" after a history cue (after a hypothetical one it is uncertain: "monitor
        for bleeding on xarelto"); an indication described as present ("hx of neck pain, flare x 1 wk":
        `_said_present`; another finding so described may be current: "hx IVDU, relapsed last month" is uncertain).
        A word such as "still" or "worse" elsewhere in the whole text may or may not be about it ("Hx neck pain. Pain
        still there."; "PMH: neck pain, HTN, recurrent UTIs"): the indication is then uncertain."""
        if context not in (Context.HISTORICAL, Context.HYPOTHETICAL):
            return context
        before = doc[max(0, ent.start - 2) : ent.start].text.lower()
        if any(before == w or before.endswith(" " + w) for w in self.lexicon.current_words):
            if context is Context.HYPOTHETICAL:  # "monitor for bleeding on xarelto", "should continue Eliquis"
                return context if self._roles.get(_concept(ent)) is Role.INDICATION else Context.UNCERTAIN
            return Context.AFFIRMED
        if context is Context.HYPOTHETICAL:
            return context
        if self._roles.get(_concept(ent)) is not Role.INDICATION:  # "hx IVDU, relapsed last month": maybe current
            recent = self.lexicon.present_words | self.lexicon.recent_use_words  # ("hx IVDU, last used Sunday")
            return Context.UNCERTAIN if self._said_present(doc, sentence, ent, recent) else context
        if self._said_present(doc, sentence, ent):
            return Context.AFFIRMED
        return Context.UNCERTAIN if self._present.search(whole) else context

    def _said_present(self, doc: Any, sentence: Any, ent: Any, words: frozenset[str] | None = None) -> bool:
        """A present word (lexicon.yaml `present_words`) that describes the mention: right before it, or after it in
        its own phrase with no other concept between, or first in the next phrase; not denied; followed by what
        describes the mention ("flare x 1 wk", "still with arm tingling"; not "still smoking", "persistent cough")."""
        lexicon = self.lexicon
        present = lexicon.present_words if words is None else words
        if ent.start > sentence.start and doc[ent.start - 1].lower_ in present:
            return not self._present_denied(doc, sentence, ent.start - 1)
        next_phrase = False
        for i in range(ent.end, sentence.end):
            token = doc[i]
            word = token.lower_
            if word in present:
                return not self._present_denied(doc, sentence, i) and self._describes(doc, sentence, i + 1, present)
            if word == ";" or (word in _PHRASE_MARKS and next_phrase) or token.ent_iob_ in ("B", "I"):
                return False  # another clause, a third phrase, another concept
            if word in _PHRASE_MARKS:
                next_phrase = True
            elif next_phrase and word not in lexicon.present_leads:
                return False  # the next phrase begins with something else ("hx neck pain, knee pain worse")
        return False

    def _present_denied(self, doc: Any, sentence: Any, i: int) -> bool:
        return any(t.lower_ in self.lexicon.present_denials for t in doc[max(sentence.start, i - 2) : i])

    def _describes(self, doc: Any, sentence: Any, i: int, present: frozenset[str] = frozenset()) -> bool:
        """Whether what follows a present word lets it describe the mention: the phrase's end, a time, a follow word,
        or another of the `present` words ("recent relapse", "recently relapsed")."""
        if i >= sentence.end:
            return True
        word = doc[i].lower_
        return word in _ENDS or bool(_TIME_START.match(word)) or word in self.lexicon.present_follows or word in present

    def _modifiers(self, doc: Any, ent: Any) -> list:
        """The cues that apply to a mention: of several, only the last if words stand between them ("no fever, hx
        breast ca" is history; "NO METS ON PRIOR PET?" is doubt; "? prior surgery" is both doubt and history; both of
        a `cues_together` pair, "if patient has history of cancer"), but a cue after the mention does not replace a
        doubt before it ("may have had neck surgery as a child": both, and doubt first); a relative who reports ("per
        daughter", "son says") is not family history."""
        modifiers = sorted(
            (
                m
                for m in ent._.modifiers
                if m.category != _LIST_END and not (m.category == "FAMILY" and self._reporter(doc, m))
            ),
            key=lambda m: m.modifier_span[0],
        )
        kept = []
        for i, modifier in enumerate(modifiers):
            doubt_before = modifier.category == "POSSIBLE_EXISTENCE" and modifier.modifier_span[0] < ent.start
            later = [
                m
                for m in modifiers[i + 1 :]
                if self._overrides(m, modifier) and not (doubt_before and m.modifier_span[0] > ent.start)
            ]
            if any(
                _words_between(doc, modifier, other) and not self._denies_history(doc, modifier, other)
                for other in later
            ):
                continue
            kept.append(modifier)
        return kept

    def _overrides(self, later: Any, earlier: Any) -> bool:
        """Whether a later cue replaces an earlier one of its clause: another category, but a family member's history
        stays the family's ("mother and sister both s/p cervical fusion"), and a pair of `cues_together` stays a
        pair."""
        if later.category == earlier.category:
            return False
        pair = (earlier.category, later.category)
        return pair not in self.lexicon.doubts.cues_together and pair != ("FAMILY", "HISTORICAL")

    def _denies_history(self, doc: Any, negation: Any, history: Any) -> bool:
        """A negation that denies the history right after it ("no known history of cancer", "denies any hx of
        cancer": only `history_denial_links` between): both apply, and the negation prevails. With other words
        between, the history is another statement ("no fever, hx breast ca", "never smoker, hx of lung ca")."""
        if negation.category != "NEGATED_EXISTENCE" or history.category != "HISTORICAL":
            return False
        between = doc[negation.modifier_span[1] : history.modifier_span[0]]
        return all(t.lower_ in self.lexicon.history_denial_links for t in between)

    def _reporter(self, doc: Any, modifier: Any) -> bool:
        start, end = modifier.modifier_span
        before = doc[max(0, start - 2) : start].text.lower()
        after = [t.lower_ for t in doc[end : end + 3] if t.lower_ not in ("'s", "s")]
        lexicon = self.lexicon
        return (
            any(before == w or before.endswith(" " + w) for w in lexicon.reporters_before)
            or bool(after and after[0] in lexicon.reporters_after)
            or " ".join(after[:2]) in lexicon.reporters_after
        )

    def _lists_cut(self, doc: Any, ents: list) -> tuple[set[tuple[Any, int]], set[int], set[int]]:
        """(cue, mention) pairs to drop, the mentions left in doubt, and the mentions a cue reaches through a list
        after another. A negation or a hypothetical runs through a comma-separated list of mentions, nearest first.
        It stops before a mention of another kind than the first it reaches ("no trauma, neck pain x3 wks": the neck
        pain is affirmed), and before a mention it reaches only across other words and a comma or a parenthesis ("no
        prior imaging, IVDU"; "denies fever, on Eliquis"; "no red flags (on eliquis)"), across a spaced dash ("No
        trauma - MVC"), or an item that reads as stated (`_asserted`: "no fever, metastatic prostate ca", "denies
        fever, on A/C, IVDU"): that one and the rest are left uncertain, since the words may or may not be meant to
        be negated."""
        scopes: dict[Any, list] = {}
        for ent in ents:
            for modifier in ent._.modifiers:
                if modifier.category in _LISTING:
                    scopes.setdefault(modifier.modifier_span, []).append(ent)
        cut: set[tuple[Any, int]] = set()
        doubted: set[int] = set()
        listed: set[int] = set()
        for span, reached in scopes.items():
            doubted |= self._listed_past_a_separator(doc, span, reached, ents)
            self._cut_scope(doc, span, reached, cut, doubted)
            if reached[0].start > span[0]:
                listed |= {e.start for e in sorted(reached, key=lambda e: e.start)[1:]}
        return cut, doubted, listed

    def _listed_past_a_separator(self, doc: Any, span: tuple[int, int], reached: list, ents: list) -> set[int]:
        """The mentions a cue's list may go on to past a field's separator that ended its reach ("Negative for: fever;
        cancer; IVDU", "Denies fever; weight loss; hx of cancer"): after its last mention, each of the first one's
        kind with only separators, list words, a label's words and mentions before it. They may be denied too, or
        another field's: uncertain."""
        first, last = min(reached, key=lambda e: e.start), max(reached, key=lambda e: e.start)
        if first.start < span[0]:
            return set()  # (a cue written after its mentions)
        lexicon, kind, previous, found = self.lexicon, self._kind(first), last, set()
        for ent in (e for e in ents if e.start >= last.end):
            words = [t.lower_ for t in doc[previous.end : ent.start] if t.text not in _FIELD_SEPARATORS]
            if self._kind(ent) != kind or any(
                w not in _ITEM_JOINS and w not in lexicon.list_words and w not in lexicon.denial_label_words
                for w in words
            ):
                break
            if _between(doc, last, ent, _FIELD_SEPARATORS):
                found.add(ent.start)
            previous = ent
        return found

    def _cut_scope(self, doc: Any, span: Any, reached: list, cut: set[tuple[Any, int]], doubted: set[int]) -> None:
        """One cue's list, nearest mention first (see _lists_cut); adds to `cut` and `doubted`. A field's separator
        between the cue and a mention ("-ve fever; R arm weakness", "no fever | R arm weakness", "Neg weakness •
        metastatic prostate ca"), or a run of spaces (a column's edge), leaves that one uncertain: it may be another
        field's."""
        cue = doc[span[0] : span[1]]
        fenced = [e for e in reached if _between(doc, cue, e, _FIELD_SEPARATORS) or _padded_between(doc, cue, e)]
        cut |= {(span, e.start) for e in fenced}
        doubted |= {e.start for e in fenced}
        reached = [e for e in reached if e not in fenced]
        if not reached:
            return
        backward = reached[0].start < span[0]
        if not backward and (self._closes_a_denial(doc, span) or self._answer_word_astray(doc, span, reached)):
            cut |= {(span, e.start) for e in reached}  # "Fever: no, Trauma: yes": the "no" is the fever's
            return
        ordered = sorted(reached, key=lambda e: e.start, reverse=backward)
        if backward:  # "neck pain 2 wks, radiculopathy ruled out": a cue written after stops at a comma
            cut |= {(span, e.start) for e in ordered[1:] if self._comma_between(doc, e, ordered[0])}
            if self._cut_at_a_label(doc, span, ordered, cut, doubted):
                return
        if self._other_words_and_comma(doc, span, ordered[0]) or (
            not backward
            and (
                self._stated_after_a_mark(doc, span, ordered[0])
                or self._indication_after_words(doc, span, ordered[0])
                or self._current_after_words(doc, span, ordered[0])
            )
        ):
            cut |= {(span, e.start) for e in ordered}
            doubted |= {e.start for e in ordered}
            return
        self._cut_items(doc, span, ordered, backward, cut, doubted)

    def _indication_after_words(self, doc: Any, span: tuple[int, int], ent: Any) -> bool:
        """Whether a negation reaches an indication first across another word that is no list, label, symptom or site
        word (`site_words`), with nothing joining them ("no weakness radiating down the left arm", "no trauma pain
        radiates to L arm"), or across list words the last of which joins nothing to it: a run-on statement, or one
        more item denied ("no pain radiating to the arm", "denies numbness or radiating arm pain" deny)."""
        lexicon = self.lexicon
        if self._kind(ent) != "indication":
            return False
        between = doc[span[1] : ent.start]
        if self._unlisted_words(between, lexicon.denial_label_words, lexicon.symptom_words, lexicon.doubts.site_words):
            return True
        # list words between, the last of them joining no item to it ("denies numbness tingling radiating arm pain": a
        # statement of its own, or one more item denied)
        words = [t for t in between if not t.is_space]
        return bool(words) and words[-1].lower_ in lexicon.list_words and words[-1].lower_ not in _ITEM_JOINS

    def _current_after_words(self, doc: Any, span: tuple[int, int], ent: Any) -> bool:
        """Whether a negation reaches its first mention across a symptom it denies and then a word saying the mention
        is current ("no numbness on coumadin": the numbness is denied, the coumadin taken; not "not on coumadin",
        "denies being on eliquis", "never been on chemotherapy")."""
        before = ent.start - 1
        if before <= span[1] or doc[before].lower_ not in self.lexicon.current_words:
            return False
        # something denied first, then the medicine ("numbness on"), not a denial of being on it ("denies being on")
        return doc[before - 1].lower_ not in self.lexicon.being_words and any(t.is_alpha for t in doc[span[1] : before])

    def _stated_after_a_mark(self, doc: Any, span: tuple[int, int], ent: Any) -> bool:
        """Whether a negation's first mention, after a mark (between, or ending the cue: "ROS negative: fever 39"),
        reads as stated (`_asserted`), is written with a value ("denies: fever 39"), or, after a cue ending with its
        mark, with other words in its item ("ROS negative: has fever"): it may not be denied."""
        marks = (",", "(", "[", ":")
        ending_the_cue = doc[span[1] - 1].text in marks  # "ROS negative:", "Red flags: none ("
        if not ending_the_cue and not any(t.text in marks for t in doc[span[1] : ent.start]):
            return False
        return (
            self._asserted(doc, ent)
            or self._states_amount(doc, ent)
            or (ending_the_cue and self._other_words_in_item(doc, ent))
        )

    def _other_words_in_item(self, doc: Any, ent: Any) -> bool:
        """Whether a mention's item of a list has words besides list words and mentions ("has fever", "fever
        persists", "only night sweats"; not "fever", "fever or chills")."""
        item = self._item(doc, ent, (",", "(", ":"))
        return self._has_other_word([t for t in item if t.ent_iob_ not in ("B", "I")])

    def _cut_items(
        self, doc: Any, span: Any, ordered: list, backward: bool, cut: set[tuple[Any, int]], doubted: set[int]
    ) -> None:
        """Where a cue's list stops after its first mention (see `_lists_cut`): at a doubtful item (`_doubtful_item`)
        or a mention of another kind; past the first cut, the rest is cut too, and uncertain unless it is of another
        kind than the first after a doubt-free cut ("no trauma, neck pain x3 wks"). A mention of another kind that
        nothing joins to the one before ("no fever radiating down the left arm", "no trauma pain radiates to L arm":
        no comma, no "or") is uncertain: a run-on statement, or one more item denied."""
        first_kind = self._kind(ordered[0])
        for before, ent in pairwise(ordered):
            if (span, before.start) in cut:  # past the first cut, the rest of the list is cut too
                cut.add((span, ent.start))
                if before.start in doubted or self._kind(ent) == first_kind:
                    doubted.add(ent.start)  # ("denies fever, numbness in arms, weight loss": may still be denied)
            elif self._doubtful_item(doc, before, ent, backward):
                cut.add((span, ent.start))
                doubted.add(ent.start)
            elif self._comma_between(doc, before, ent) and self._kind(ent) != first_kind:
                cut.add((span, ent.start))  # "no trauma, neck pain x3 wks": the neck pain is stated
                if first_kind == "indication":
                    doubted.add(ent.start)  # "Denies arm numbness, fever, weight loss": may be denied too
            elif (
                not backward
                and not _between(doc, before, ent, _ITEM_JOINS)
                and self._run_on(doc, before, ent, first_kind)
            ):
                cut.add((span, ent.start))  # "no fever radiating down the left arm", "no fever on eliquis" (no
                doubted.add(ent.start)  # comma, no "or"): a run-on statement, or one more item denied

    def _run_on(self, doc: Any, before: Any, ent: Any, first_kind: str) -> bool:
        """Whether a mention that nothing joins to the one before may begin a statement of its own: it is of another
        kind than the list's first, other words stand between ("no trauma takes warfarin", "denies fever uses IV
        heroin"), or it reads as stated ("no fever metastatic prostate cancer": `_asserted`); not when a cue of its
        own stands between, which reads it instead."""
        if self._kind(ent) != first_kind:
            return True
        if any(before.end <= m.modifier_span[0] < ent.start for m in ent._.modifiers):
            return False  # a cue of its own between: the later cue reads it ("No fever hx breast ca 2015": history)
        between = doc[before.end : ent.start]
        return (
            self._has_other_word(between)
            or any(t.lower_ in self.lexicon.recent_use_words for t in between)  # "no fever recent IV drug use"
            or self._asserted(doc, ent)
            or self._states_amount(doc, ent)  # "no fever weight loss of 20 lbs"
        )

    def _doubtful_item(self, doc: Any, before: Any, ent: Any, backward: bool) -> bool:
        """Whether a list's next mention may not be one of its items (see `_lists_cut`): other words and a comma, a
        value or a stated condition after a comma, a spaced dash, a new statement, or a history told in its item ("No
        fever, weight loss or history of malignancy": the history may be one more item denied, or a statement)."""
        return (
            self._other_words_and_comma(doc, (before.start, before.end), ent)
            or (_between(doc, before, ent, (",", "(")) and (self._states_amount(doc, ent) or self._asserted(doc, ent)))
            or (
                not backward
                and (
                    self._spaced_dash_between(doc, before, ent)
                    or self._new_statement_between(doc, before, ent)
                    or self._history_item(doc, before, ent)
                )
            )
        )

    @staticmethod
    def _history_item(doc: Any, before: Any, ent: Any) -> bool:
        """Whether a history cue begins the next item of a list ("No fever, weight loss or history of malignancy"; not
        "No fever hx breast ca 2015", a statement of its own): after a list word or a comma."""
        return any(
            m.category == "HISTORICAL"
            and before.end <= m.modifier_span[0] < ent.start
            and any(t.lower_ in _ITEM_JOINS for t in doc[before.end : m.modifier_span[0]])
            for m in ent._.modifiers
        )

    def _cut_at_a_label(
        self, doc: Any, span: tuple[int, int], ordered: list, cut: set[tuple[Any, int]], doubted: set[int]
    ) -> bool:
        """Whether a cue written after a mention, across a ":" or a dash, is cut there: it applies only where it
        answers the mention's label (`_answers_a_label`; "neck pain 2 wks - Red flags: none" is another label's), and
        one that names its source leaves the mention uncertain ("Mets: ruled out on PET")."""
        if not any(t.text in _PHRASE_ENDS for t in doc[ordered[0].end : span[0]]):
            return False
        answer = self._answers_a_label(doc, ordered[0], span)
        if answer is _Answer.CLOSES:
            return False
        cut |= {(span, e.start) for e in ordered}
        if answer is _Answer.SOURCED:
            doubted.add(ordered[0].start)
        return True

    def _answers_a_label(self, doc: Any, ent: Any, span: tuple[int, int]) -> _Answer:
        """Whether a cue written after a mention answers the mention's label ("Cancer hx: none", "Mets: ruled out"):
        only the label's words and one ":" between, and the cue ends its clause (see `_answer_end`). Not across a dash
        or ";" ("hx prostate ca - negative bone scan"), nor a cue about another noun ("Hx lung ca: negative PET 6 mo
        ago")."""
        between = [t for t in doc[ent.end : span[0]] if t.lower_ not in self.lexicon.denial_label_words]
        if [t.text for t in between] != [":"]:
            return _Answer.OPEN
        return self._answer_end(doc, span[1])

    def _answer_word_astray(self, doc: Any, span: tuple[int, int], reached: list) -> bool:
        """Whether a denial word of `answers_after_a_word` denies nothing after it: it follows another word, whose
        answer it is ("Allergies nil, IVDU", "PMH nil prior ACDF"), or other words stand between it and what it
        reaches ("nil alcohol breast ca 2019", "Nil known drug allergies on warfarin")."""
        start, end = span
        lexicon = self.lexicon
        if end - start != 1 or doc[start].lower_ not in lexicon.answers_after_a_word:
            return False
        if start > 0 and doc[start - 1].is_alpha and not doc[start].is_sent_start:
            return True
        first = min(reached, key=lambda e: e.start)
        return bool(self._unlisted_words(doc[end : first.start], lexicon.denial_label_words, lexicon.doubts.site_words))

    def _closes_a_denial(self, doc: Any, span: tuple[int, int]) -> bool:
        """Whether a negation cue is a denial written after what it denies ("Fever: no,", "Trauma - none;", "Fever - no
        per pt,", "hx lymphoma: pt says no,", "Cancer (no)"): a mark before it (`between_words` may stand between) and
        the clause's end or its source after it (`_answer_end`), or parentheses around it."""
        start, end = span
        lexicon = self.lexicon
        if end - start != 1 or doc[start].lower_ not in lexicon.denial_words or start == 0:
            return False
        if doc[start - 1].text == "(" and end < len(doc) and doc[end].text.startswith(")"):
            return True  # "Cancer (no) - fever 38.5": the "no" is the cancer's
        mark = start - 1
        while mark > 0 and start - mark <= 3 and doc[mark].lower_ in lexicon.denial_between_words:
            mark -= 1  # "hx lymphoma: pt says no, febrile"
        return doc[mark].text in lexicon.denial_marks and self._answer_end(doc, end) is not _Answer.OPEN

    def _clause_ends_at(self, doc: Any, i: int) -> bool:
        """Whether a clause ends before token `i`: the text's end, `,` `;` `.` `!`, a new sentence, or the end of a
        "Label: no" line (what `_denied_after` and `_closes_a_denial` need after a trailing denial)."""
        return (
            i >= len(doc)
            or doc[i].text in (",", ";", ".", "!", "|", "•", "·")
            or doc[i].is_sent_start
            or self._ends_a_label_line(doc, i)
        )

    def _ends_a_label_line(self, doc: Any, i: int) -> bool:
        """Whether the space token `i` ends a "Label: no" line: the text's end, or a line break before another label (a
        mark among the next line's first words: "History of cancer: No\nFever: No"; not "Hx breast ca - no\nrecurrence
        since 2016")."""
        token = doc[i]
        if not token.is_space:
            return False
        if all(t.is_space for t in doc[i:]):
            return True
        if "\n" not in token.text:
            return False
        marks = self.lexicon.denial_marks
        return any(t.text in marks for t in doc[i + 1 : i + 7] if not t.is_space or "\n" not in t.text)

    def _other_words_and_comma(self, doc: Any, span: tuple[int, int], ent: Any) -> bool:
        """Whether a comma and a word that is not a list word stand between a cue (or mention) and a mention, or such a
        word after a parenthesis, a bracket or a spaced dash ("no red flags (on eliquis)", "no red flags - on
        eliquis"; not "RTC precautions reviewed - fever"), or a word glued to a dash after a cue ("No trauma- MVC"; not
        before a cue written after: "Trauma hx- none")."""
        forward = span[1] <= ent.start
        start, end = (span[1], ent.start) if forward else (ent.end, span[0])
        between = doc[start:end]
        if any(t.text == "," for t in between):
            return self._has_other_word(between)
        opened = next(
            (t.i for t in between if t.text in ("(", "[") or _spaced_dash(doc, t) or (forward and _glued_dash(t))),
            None,
        )
        if opened is None:
            return False
        # after a negation cue's own words, a dash begins another statement ("No one else drives - MVC 1 wk ago", "No
        # trauma- MVC 4 days ago": the word glued to it is one); after a hypothetical's, what it lists ("RTC
        # precautions reviewed - fever"); between two mentions, what follows it
        negation = any(m.category == "NEGATED_EXISTENCE" and m.modifier_span == span for m in ent._.modifiers)
        if negation:
            return _glued_dash(doc[opened]) or self._has_other_word(doc[start:end])
        return self._has_other_word(doc[opened + 1 : end])

    def _unlisted_words(self, tokens: Any, *besides: frozenset[str]) -> list:
        """The words among `tokens` that are no list word nor one of any of `besides`."""
        list_words = self.lexicon.list_words
        return [
            t
            for t in tokens
            if t.is_alpha and t.lower_ not in list_words and not any(t.lower_ in words for words in besides)
        ]

    def _has_other_word(self, tokens: Any) -> bool:
        durations = self.lexicon.durations
        return any(
            t.is_alpha
            and t.lower_ not in self.lexicon.list_words
            and t.lower_ not in durations.unit_days  # "neck pain 2 wks, radiculopathy ruled out"
            and t.lower_ not in durations.number_words
            for t in tokens
        )

    def _asserted(self, doc: Any, ent: Any) -> bool:
        """Whether a list item's mention reads as stated rather than listed: it begins with a word saying it is current
        ("on A/C"), it tells an inability ("can't hold urine": `doubts.inability_words`), it is a hedged word ("PCa"),
        or it is a condition described in its item (`_described`)."""
        joined = ent.start > 0 and doc[ent.start - 1].lower_ in _ITEM_JOINS  # "or using IV drugs": one more item
        return (
            (doc[ent.start].lower_ in self.lexicon.current_words and not joined)
            or any(t.lower_ in self.lexicon.doubts.inability_words for t in doc[ent.start : ent.end])
            or "H" in ent.label_.partition("|")[2]
            or self._described(doc, ent)
        )

    def _described(self, doc: Any, ent: Any) -> bool:
        """Whether a mention is of a condition (lexicon.yaml `cues.doubts.described_conditions`) written with more than
        its name in its item of a list (between `,` `(` or a list word and `,` `;` `)` or a list word): another mention
        or a word that is not a list word ("metastatic prostate ca", "RA on methotrexate", "breast ca s/p
        mastectomy"; not "malignancy or IVDU")."""
        if _concept(ent) not in self.lexicon.doubts.described_conditions:
            return False
        others = [t for t in self._item(doc, ent, (",", "(")) if not ent.start <= t.i < ent.end]  # (no list word)
        return any(t.ent_iob_ in ("B", "I") for t in others) or self._has_other_word(others)

    def _item(self, doc: Any, ent: Any, opening: tuple[str, ...]) -> Any:
        """A mention's item of a list: from one of `opening` or a list word to `,` `;` `)` or a list word."""
        sentence, list_words = ent.sent, self.lexicon.list_words
        start, end = ent.start, ent.end
        while start > sentence.start and not _ends_item(doc[start - 1], opening, list_words):
            start -= 1
        while end < sentence.end and not _ends_item(doc[end], (",", ";", ")"), list_words):
            end += 1
        return doc[start:end]

    def _new_statement_between(self, doc: Any, first: Any, second: Any) -> bool:
        """Whether a new statement begins between two mentions ("No fever or chills pt has metastatic lung ca")."""
        return _holds_phrase(doc[first.end : second.start], self.lexicon.doubts.new_statements)

    @staticmethod
    def _spaced_dash_between(doc: Any, first: Any, second: Any) -> bool:
        """Whether a dash with a space on each side stands between two mentions ("No trauma - MVC 4 days ago")."""
        return any(_spaced_dash(doc, t) for t in doc[first.end : second.start])

    def _states_amount(self, doc: Any, ent: Any) -> bool:
        """Whether a mention is written with a value or an amount ("fever 101.5", "CRP 94", "lost 15 lbs", "weight
        loss of 15 lbs"; not a time: "x 3 months"): what a list's negation does not deny ("denies chills, fever
        101.5" says a fever)."""
        if "M" in ent.label_.partition("|")[2]:
            return True
        for t in doc[ent.start : min(ent.end + 3, len(doc))]:
            if t.i >= ent.end and (t.text in _STATEMENT_ENDS or (t.is_space and "\n" in t.text) or t.is_sent_start):
                return False  # what follows is another statement's ("weight loss. ESI 4", "...\n3. MRI ordered")
            if t.like_num and (t.i + 1 >= len(doc) or doc[t.i + 1].lower_ not in self.lexicon.durations.unit_days):
                return True
        return False

    @staticmethod
    def _comma_between(doc: Any, first: Any, second: Any) -> bool:
        return _between(doc, first, second, (",",))

    def _kind(self, ent: Any) -> str:
        """Indications and surgery are one kind of mention, everything that blocks or removes another."""
        role = self._roles.get(_concept(ent))
        return "indication" if role in (Role.INDICATION, Role.PRIOR_SURGERY) else "other"

    # -- time ------------------------------------------------------------------------------------------
    def _attach_times(
        self, doc: Any, sentence: Any, ents: list, notes: list[TimeNote], denied: set[int]
    ) -> tuple[dict[int, tuple[TimeNote, ...]], list[TimeNote]]:
        """Each time expression goes to the nearest mention of its clause (a `;` ends one; ties: the one before)
        that is not denied ("neck pain without trauma, x 5 wks": the pain's), unless it belongs to a treatment,
        visit or test ("neck pain, PT x 2 wks"): then it says nothing of the mention. A clause without a mention
        gives its time to the sentence's mentions only if it says nothing else ("neck pain; x 3 wks"); else the time
        is returned unplaced ("neck pain; cough x 1 wk": maybe the symptoms', maybe another thing's). A duration
        word ("new", "chronic") counts only beside its mention, never for something else ("new to clinic", "recent
        PT"). The indications of a clause share their times ("neck pain radiating to L arm x3 wks": both)."""
        attached: dict[int, list[TimeNote]] = {e.start: [] for e in ents}  # ignored words too: "lumbar fusion 2018"
        clause = {e.start: _clause(doc, e.start_char) for e in ents}
        candidates = [e for e in ents if e.start not in denied] or ents
        unplaced: list[TimeNote] = []
        for note in notes:
            if self._of_another_thing(doc, note):
                continue  # "long history of smoking; neck pain x 1 wk": the smoking's
            near = [e for e in candidates if clause[e.start] == _clause(doc, note.start)]
            if not near and not self._only_symptom_words(doc, *_clause_bounds(doc, sentence, note.start), notes):
                unplaced.append(note)  # maybe another thing's time ("neck pain; wife had surgery 2 wks ago")
                continue
            near = near or candidates
            if note.classes is not None:
                described = next((e for e in near if self._describes_symptom(doc, note, e, notes)), None)
                if described is not None:
                    attached[described.start].append(note)
                continue
            nearest = min(near, key=lambda e: self._distance(doc, note, e))
            if not self._linked(doc, note):
                continue
            if self._kind(nearest) == "indication" and self._another_state(doc, note, nearest):
                unplaced.append(note)  # "neck pain in pt who had covid 3 weeks ago": maybe the pain's, maybe not
                continue
            if self._kind(nearest) == "indication" and self._in_another_phrase(doc, sentence, note, nearest, notes):
                unplaced.append(note)  # "Neck pain, 2 wk hx of URI", "neck pain, L shoulder pain x 2 wks"
            else:
                attached[nearest.start].append(note)
        indications = [e for e in ents if self._kind(e) == "indication"]
        for ent in indications:
            same = [n for e in indications if clause[e.start] == clause[ent.start] for n in attached[e.start]]
            attached[ent.start] = sorted(set(same), key=lambda n: n.start)
        return {start: tuple(found) for start, found in attached.items()}, unplaced

    @staticmethod
    def _distance(doc: Any, note: TimeNote, ent: Any) -> tuple[bool, int, bool]:
        """How far a time stands from a mention: a comma between them first ("osteomyelitis as a teen, neck pain":
        the time is the osteomyelitis'), then characters, then a mention after it."""
        gap = (ent.end_char, note.start) if ent.end_char <= note.start else (note.end, ent.start_char)
        return "," in _text(doc)[gap[0] : gap[1]], max(gap[1] - gap[0], 0), ent.start_char > note.start

    def _in_another_phrase(self, doc: Any, sentence: Any, note: TimeNote, ent: Any, notes: list[TimeNote]) -> bool:
        """Whether a time after its mention stands in a phrase of its own, after a comma or a spaced dash, with words
        that may be another thing's ("Neck pain, cough and congestion x 5 days", "neck pain, wife passed 4 wks ago",
        "Neck pain - on light duty x 3 wks"; not "neck pain, x 3 wks", "neck pain, worse x 2 wks", "neck pain - onset
        3 wks ago"): it may not be the mention's."""
        text = _text(doc)
        marks = list(_PHRASE_OPENING.finditer(text, ent.end_char, note.start))
        if not marks:
            return False
        start = marks[-1].end() - 1
        clause_end = _clause_bounds(doc, sentence, note.start)[1]
        end = text.find(",", note.end, clause_end)
        end = clause_end if end < 0 else end
        first = _WORD.search(text, start + 1, end)
        if any(start < e.start_char < end for e in doc.ents) or (
            first is not None and first[0].lower() in self.lexicon.denial_words
        ):
            return False  # another mention's phrase, or a denial's ("neck pain, no numbness/tingling x 3 wk")
        return not self._only_symptom_words(doc, start + 1, end, notes, self.lexicon.present_words)

    def _linked(self, doc: Any, note: TimeNote) -> bool:
        """Whether a time expression may be its mention's own: no treatment, encounter or test stands in its phrase
        (since the last `,` `;` `:` or `.`; an event of several words matched whole, "off work"): "PT x 2 wks", "seen in
        urgent care 3 days ago", "on prednisone 40 mg daily x 2 mo" are those things' times, not the symptom's."""
        text = _text(doc)
        phrase = text[_phrase_start(text, note.start) : note.start]
        return not _holds_one_of(phrase, self.lexicon.durations.other_events, self._event_phrases)

    def _another_state(self, doc: Any, note: TimeNote, ent: Any) -> bool:
        """Whether a time may belong to another state or event of the patient's (lexicon.yaml
        `durations.other_states`): one of its words between the mention and the time ("neck pain in pt who had covid 3
        weeks ago"), or just after the time ("neck pain at 5 weeks gestation")."""
        text, states = _text(doc), self.lexicon.durations.states_before
        if ent.end_char <= note.start and _holds_one_of(text[ent.end_char : note.start], states, self._state_phrases):
            return True
        after = text[note.end :].lstrip(" '’").lower()
        return bool(self._states_after.match(after))

    def _describes_symptom(self, doc: Any, note: TimeNote, ent: Any, notes: list[TimeNote]) -> bool:
        """A duration word is the mention's when only link words ("L", "C7", "onset") stand between it and the
        mention after it ("chronic L C7 radic", "new onset neck pain"), or when, after the mention and perhaps its
        span ("neck pain x 3 days, chronic": the two disagree, both are kept), it is followed by a symptom or present
        word or ends the clause ("acute flare", "neck pain, chronic", "(longstanding)"); not when it describes
        something else ("new to clinic", "recent PT")."""
        text = _text(doc)
        if note.end <= ent.start_char:
            between = _WORD.findall(text[note.end : ent.start_char].lower())
            return all(w in self.lexicon.durations.link_words or _LEVEL.match(w) for w in between)
        between = text[ent.end_char : note.start]
        for other in notes:  # (a span between them is the mention's time too: "x 3 days")
            if ent.end_char <= other.start and other.end <= note.start:
                between = between.replace(text[other.start : other.end], " ")
        if _WORD.findall(between) or any(mark in between for mark in ".;!?"):
            return False  # other words, or a statement's end, between the mention and the duration word after it
        if self._of_another_thing(doc, note):
            return False  # "neck pain x 5 days, long history of anxiety"
        following = re.match(r"\s*([\w/'-]+|[,;.!?)]|$)", text[note.end :])
        word = following.group(1).lower() if following else ""
        return (
            word in ("", ",", ";", ".", "!", "?", ")")
            or word in self.lexicon.present_words | self.lexicon.symptom_words
        )

    def _of_another_thing(self, doc: Any, note: TimeNote) -> bool:
        """Whether duration words name what follows them with "of" (or right after them, for a history: "long h/o
        DM2"), and it is no symptom: no indication mentioned there, no cervical word, and another site or no symptom
        word ("long history of anxiety", "long history of shoulder pain"; not "long history of neck pain", "long
        history of L arm paresthesias", "long hx of symptoms")."""
        if note.classes is None:
            return False
        text = _text(doc)
        told = _WORD.findall(text[note.start : note.end].lower())
        history = any(w in self.lexicon.durations.history_class_words for w in told)
        of = r"(?:of\s+)?" if history else r"of\s+"  # ("long h/o DM2")
        following = re.match(rf"\s+{of}([^,;.:()]*)", text[note.end :])
        if not following or not following.group(1).strip():
            return False
        start, end = note.end + following.start(1), note.end + following.end(1)
        if any(e.start_char < end and start < e.end_char and self._kind(e) == "indication" for e in doc.ents):
            return False
        words = _WORD.findall(following.group(1).lower())[:_PHRASE_REACH]
        if any(self._cervical.match(w) for w in words):
            return False
        # another site's pain is another thing ("long history of shoulder pain"); a symptom named alone is the pain's
        return any(w in self.lexicon.other_sites for w in words) or not any(
            w in self.lexicon.symptom_words for w in words
        )

    def _symptom_times(self, sentence: Any, notes: list[TimeNote]) -> Iterator[TextMention]:
        """ "sx x 3 months", "X3WKS": a duration for the symptoms, in a sentence that names no concept; uncertain
        where a symptom word stands with other words ("Shoulder pain x 3 days", "Pain persistent for 3 months"): it
        may be another thing's time, so it can only widen the duration. Without a symptom word ("s/p LAD stent 2019")
        it is another thing's."""
        notes = [n for n in notes if not self._of_another_thing(sentence.doc, n)]
        if not notes:
            return
        span = (sentence.start_char, sentence.end_char)
        if self._only_symptom_words(sentence.doc, sentence.start_char, sentence.end_char, notes):
            yield TextMention(SYMPTOMS, Context.AFFIRMED, *span, span, tuple(notes))
        elif self._symptoms.search(sentence.text):
            yield TextMention(SYMPTOMS, Context.UNCERTAIN, *span, span, tuple(notes))

    def _only_symptom_words(
        self, doc: Any, start: int, end: int, notes: list[TimeNote], also: frozenset[str] = frozenset()
    ) -> bool:
        """Whether the words from `start` to `end`, but for the time expressions, are only symptom words ("sx",
        "onset"), fillers ("pt reports", "neck & R arm"), numbers and words of `also`."""
        text, pieces, at = _text(doc), [], start
        for note in sorted(notes, key=lambda n: n.start):
            if start <= note.start and note.end <= end:
                pieces.append(text[at : note.start])
                at = max(at, note.end)
        pieces.append(text[at:end])
        lexicon = self.lexicon
        return all(
            w in lexicon.symptom_words or w in lexicon.symptom_fillers or w in also or any(c.isdigit() for c in w)
            for w in _WORD.findall(" ".join(pieces).lower())
        )

    # -- values written in words -------------------------------------------------------------------------
    def _measure(self, doc: Any) -> Any:
        """Add "T 38.5", "CRP 94" as mentions of their rule's concept, labelled with their level; and a value written
        without a name that can only be the measurement ("102F at home") or may be ("but 38.5 in triage")."""
        text = _text(doc)
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


class _Answer(Enum):
    """How a denial written after a mention ends (`TextReader._answer_end`)."""

    CLOSES = "closes"  # "Cancer hx: none": the mention is denied
    SOURCED = "sourced"  # "Mets: ruled out on PET": of the finding or of one test, uncertain
    OPEN = "open"  # "Hx lung ca: negative PET 6 mo ago": about something else


# A number that may be a value written without its name: two or three digits, a unit or a word after it.
_UNNAMED_VALUE = re.compile(
    r"(?<![\w./-])(?P<value>\d{2,3}(?:\.\d+)?)(?![\d/.])(?:\s?(?P<unit>°\s?[cf]\b|°|[a-z%][a-z/%]*))?", re.IGNORECASE
)


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


def _told_chronic(times: tuple[TimeNote, ...]) -> bool:
    """Whether a mention's times call it chronic, or give it a span of a year or more ("hx of chronic neck pain", "h/o
    neck pain x 10 yrs"; not a dated episode, "hx of neck pain 2019, resolved")."""
    return any((t.classes and "chronic" in t.classes) or (t.days is not None and t.days[0] >= 365) for t in times)


def _in_phrase_before(text: str, sentence: Any, note: TimeNote, words: frozenset[str]) -> bool:
    """Whether one of `words` stands in the phrase of a time expression before it (since the last `,` `;` `:` `.`
    of its sentence, at most `_PHRASE_REACH` words back)."""
    start = max(sentence.start_char, _phrase_start(text, note.start))
    return any(w in words for w in _WORD.findall(text[start : note.start].lower())[-_PHRASE_REACH:])


def _phrase_start(text: str, at: int) -> int:
    """Where the phrase that holds offset `at` begins: after the last `,` `;` `:` or `.` before it."""
    return max(text.rfind(mark, 0, at) for mark in ",;:.") + 1


def _holds_one_of(phrase: str, words: frozenset[str], phrases: re.Pattern[str] | None) -> bool:
    """Whether a phrase holds one of `words` (as written, or lower-cased) or a match of `phrases` (their entries of
    several words, matched whole: "off work", "back from")."""
    if phrases is not None and phrases.search(phrase):
        return True
    return any(w in words or w.lower() in words for w in _WORD.findall(phrase))


def _just_after_one_of(text: str, sentence: Any, note: TimeNote, words: frozenset[str]) -> bool:
    """Whether one of `words` is among the (at most three) words of its sentence just before a time expression."""
    before = _WORD.findall(text[max(sentence.start_char, note.start - 40) : note.start].lower())[-3:]
    return any(w in words for w in before)


def _between(doc: Any, first: Any, second: Any, marks: Collection[str]) -> bool:
    """Whether one of `marks` stands between two mentions, or a cue's words and a mention ("no fever, T 38.9", "no
    fever (Tmax 38.9)")."""
    start, end = (first.end, second.start) if first.end <= second.start else (second.end, first.start)
    return any(t.text in marks for t in doc[start:end])


def _begins_with(words: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether the words begin with one of the phrases."""
    return any(tuple(words[: len(phrase)]) == phrase for phrase in phrases)


def _padded_between(doc: Any, first: Any, second: Any) -> bool:
    """Whether an edge (a run of spaces written inside a line, a column's: "No fever      breast cancer 2015", read as
    one space, `spacing.py`; a joined line break, `line_wraps.py`) stands between a cue and a mention or inside the
    mention ("no trauma, new urinary\nincontinence"). (A run kept before a flowsheet's next field is that field's.)"""
    start, end = (
        (first.end_char, second.end_char) if first.end <= second.start else (second.start_char, first.start_char)
    )
    return any(start <= edge < end for edge in doc.user_data.get(_EDGES_KEY, ()))


def _spaced_dash(doc: Any, token: Any) -> bool:
    """Whether a token is a dash with a space on each side ("no trauma - MVC"; not "C5-6", "trauma-")."""
    return (
        token.text in ("-", "--", "–", "—")
        and bool(token.whitespace_)
        and token.i > 0
        and bool(doc[token.i - 1].whitespace_)
    )


def _glued_dash(token: Any) -> bool:
    """Whether a token is a word with a dash glued to its end and a space after ("trauma- MVC")."""
    return token.text[-1:] in ("-", "–", "—") and token.text[:-1].isalpha() and bool(token.whitespace_)


def _stops_at(doc: Any, i: int) -> bool:
    """Whether what follows token `i - 1` is no word it could govern: a line break, a mark, a list's join or a word
    in capitals, which may begin a sentence ("CGH: no\nPT x 3", "CGH: no (per pt)", "CGH: no / IVDU: no", "CGH: no
    and no IVDU", "CGH: no Yours sincerely"; not "neck pain - no radiation")."""
    while i < len(doc) and doc[i].is_space:
        if "\n" in doc[i].text:
            return True
        i += 1
    return i < len(doc) and (not doc[i].text[:1].isalnum() or doc[i].lower_ in _ITEM_JOINS or doc[i].text[:1].isupper())


def _ends_item(token: Any, marks: tuple[str, ...], list_words: frozenset[str]) -> bool:
    """Whether a token bounds an item of a list: one of `marks`, or a list word ("or", "and")."""
    return token.text in marks or token.lower_ in list_words


def _words_between(doc: Any, first: Any, second: Any) -> bool:
    """Whether a word (not punctuation) stands between two cues."""
    start, end = first.modifier_span[1], second.modifier_span[0]
    return any(t.is_alpha for t in doc[start:end])


def _concept(ent: Any) -> str:
    return ent.label_.partition("|")[0]


def _at_best(context: Context, cap: Context) -> Context:
    """A context no more certain than `cap` (negations and hypotheticals stay as they are)."""
    return cap if context in (Context.AFFIRMED, Context.HISTORICAL) else context


def _text(doc: Any) -> str:
    """The doc's text, joined once per doc (spaCy's `doc.text` joins every token's text at each use)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def _clause_bounds(doc: Any, sentence: Any, char: int) -> tuple[int, int]:
    """The offsets of the clause (the sentence's words between two `;`) a character offset is in."""
    text = _text(doc)
    start = text.rfind(";", sentence.start_char, char) + 1 or sentence.start_char
    end = text.find(";", char, sentence.end_char)
    return start, end if end >= 0 else sentence.end_char


def _clause(doc: Any, char: int) -> int:
    """How many `;` stand before a character offset in its text (a clause number)."""
    return _text(doc).count(";", 0, char)


def _no_overlap(spans: list) -> list:
    kept: list = []
    for span in sorted(spans, key=lambda s: (s.start, -len(s))):
        if all(span.start >= k.end or span.end <= k.start for k in kept):
            kept.append(span)
    return kept


def _line_questioned(text: str, at: int, sentence_end: int, notes: Sequence[TimeNote]) -> bool:
    """Whether a mention, with nothing but time expressions after it in its sentence, ends its line with a question
    mark written apart ("neck pain x 2 wks ?"; not "neck pain x 3 wks. PT ?", "neck pain x 3 wks - MRI ?"), or ends
    its line and the next line is only question marks ("neck pain x 2 wks.\n?")."""
    end = text.find("\n", at)
    line_end = len(text) if end < 0 else end
    rest = text[at : min(line_end, sentence_end)]
    for note in notes:
        if at <= note.start and note.end <= at + len(rest):
            rest = rest[: note.start - at] + " " * (note.end - note.start) + rest[note.end - at :]
    if re.search(r"[^\W_]", rest.rstrip(" ?\t.")):
        return False  # other words after the mention: the mark may question them
    if re.search(r"\s\?+\s*$", rest):
        return True
    if end < 0 or text[sentence_end:line_end].strip():
        return False
    following = text[end + 1 :].lstrip("\n")
    next_end = following.find("\n")
    return (following if next_end < 0 else following[:next_end]).strip() in _QUESTION


def _mark_question_marks(doc: Any) -> None:
    """A question mark written against the word before it questions that word and ends the clause; one (or a run of
    them) that begins a line or follows a sentence's end ("Neck pain 2 wks. ? mets", "\n? discitis", "?? mets")
    begins a sentence and questions what follows."""
    for i, token in enumerate(doc):
        leading = token.text in _QUESTION and (i == 0 or doc[i - 1].is_space or doc[i - 1].text in (".", "!"))
        if leading:
            after = i + 1
            while after < len(doc) and (
                doc[after].text in _QUESTION or (doc[after].is_space and "\n" not in doc[after].text)
            ):
                after += 1  # "?? mets", "?  abscess": the run of marks (and spaces) is one mark
            if after < len(doc) and not doc[after].is_space:
                if i > 0:
                    token.is_sent_start = True
                for following in doc[i + 1 : after + 1]:
                    following.is_sent_start = False
                continue
        if token.text in _QUESTION and i > 0 and (doc[i - 1].whitespace_ == "" or doc[i - 1].norm_ == _AFTER):
            if doc[i - 1].text in _QUESTION and doc[i - 1].norm_ != _AFTER:
                continue
            token.norm_ = _AFTER
            if token.whitespace_ and i + 1 < len(doc) and doc[i + 1].text not in _QUESTION:
                doc[i + 1].is_sent_start = True


_BOXES = frozenset({"[", "(", "_", "☐", "□", "⬜", "❏", "❑", "◻", "◽", "▢", "▫"})  # ("___": one "_" per token)
_ITEM_OTHER_WORDS = 2  # a list's item on a line of its own: at most this many words besides mentions and list words
_BULLETS = frozenset({"-", "*", "•", "·", "–", "+", "o", ">"})  # a list item's mark at the start of its line
_FIELD_SEPARATORS = frozenset({";", "|", "•", "·", ">", ">>"})  # end a template line's field ("fever: no | IVDU: yes")
_LISTED_TOKENS = 12  # how far a list of findings before its denial may run ("Hx ca/IVDU/steroids: none")
_FIELD_WORDS = 3  # a flowsheet field's label: at most this many words before its ":"


def _open_sentences_at_boxes(doc: Any) -> None:
    """A sentence the sentencizer does not begin: at a box or bracket after a sentence's or a line's end ("Neck pain
    x 3 wks. [ ] History of cancer", "Plan: PT\n(-) cancer": it keeps marks after a full stop or a line break with
    the sentence before, so "[ ]" would not reach what it marks)."""
    for i, token in enumerate(doc):
        if token.text in _BOXES and i > 0 and _ends_a_line_or_sentence(doc[i - 1]):
            token.is_sent_start = True
            for following in doc[i + 1 :]:  # the sentencizer began the sentence at the first word after the marks
                if following.is_sent_start:
                    following.is_sent_start = False
                if not following.is_punct:
                    break


def _ends_a_line_or_sentence(token: Any) -> bool:
    """Whether a token ends a sentence (a full stop or "!" and a space) or a line."""
    return (token.text in (".", "!") and bool(token.whitespace_)) or (token.is_space and "\n" in token.text)


def _field_starts_after(doc: Any, i: int) -> bool:
    """Whether token `i` is a run of spaces (no line break) before a flowsheet's next field ("Hx malignancy: none
    Bowel/bladder changes: No")."""
    return i + 1 < len(doc) and doc[i].is_space and "\n" not in doc[i].text and _field_label_at(doc, i + 1)


def _field_label_at(doc: Any, i: int) -> bool:
    """Whether a flowsheet field's label begins at token `i`: a capitalised word, at most `_FIELD_WORDS` words (and
    "/"), then ":" ("Bowel/bladder changes:"; not "but wife says:")."""
    if not doc[i].text[:1].isupper() or not doc[i].is_alpha:
        return False
    words = 0
    for token in doc[i:]:
        if token.text == ":":
            return True
        if token.text == "/":
            continue
        if not token.is_alpha or words == _FIELD_WORDS:
            return False
        words += 1
    return False


def _alternation(words: Iterable[str]) -> str:
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


def _words_pattern(words: tuple[str, ...] | frozenset[str]) -> re.Pattern[str]:
    alternatives = _alternation(words)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _reason_link_pattern(links: Sequence[str]) -> re.Pattern[str]:
    """A reason link (lexicon.yaml `cues.doubts`) followed by at most three words and the end (a lookahead: every
    link of a phrase is found, the last one is the mention's)."""
    alternatives = _alternation(links)
    return re.compile(
        rf"(?:(?<=[\s(])|^)(?P<link>{alternatives})(?=[\s(]|$)(?=(?:\s*[\w/'-]+){{0,3}}\s*$)", re.IGNORECASE
    )


def _measurement_pattern(words: MeasurementWords) -> re.Pattern[str]:
    names = _alternation(words.names)
    return re.compile(
        rf"(?<![\w-])(?:{names})\s*(?:of|was|is|at|to|up to|:|=|-|~)?\s*(?:>=?|≥)?\s*"
        r"(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d/])"
        r"(?:\s*(?P<unit>°\s?[cf]\b|[a-z][a-z0-9/^*]*))?",
        re.IGNORECASE,
    )


_PIPELINES: dict[int, tuple[Lexicon, RenewingPipeline]] = {}


def _shared_pipeline(lexicon: Lexicon, yielding: frozenset[str]) -> RenewingPipeline:
    """One pipeline per lexicon object in a process (building one takes most of a second)."""
    found = _PIPELINES.get(id(lexicon))
    if found is None or found[0] is not lexicon:
        build = partial(_pipeline, lexicon, yielding)
        found = _PIPELINES[id(lexicon)] = (lexicon, RenewingPipeline(build, MAX_NEW_STRINGS))
    return found[1]


def _pipeline(lexicon: Lexicon, yielding: frozenset[str] = frozenset()) -> Any:
    """The medspaCy pipeline for the lexicon (no model is downloaded: a blank English pipeline). The mentions of the
    `yielding` concepts (the indications) give way to another concept's mention their longest match swallowed."""
    import spacy  # heavy imports, done once per process
    from medspacy.context import ConText, ConTextRule
    from medspacy.ner import TargetRule

    from cds_service.engine.text import target_entities

    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex((*nlp.Defaults.infixes, *_GLUED_MARKS)).finditer
    nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex((*nlp.Defaults.prefixes, *_EDGE_MARKS)).search
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex((*nlp.Defaults.suffixes, *_EDGE_MARKS)).search
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


def _phrase_after(doc: Any, ent: Any, reach: int | None = None) -> Any:
    """The tokens after a mention up to its phrase's end (`,` `;` `.` `!` or the sentence's), at most `reach`."""
    end = ent.sent.end if reach is None else min(ent.end + reach, ent.sent.end)
    return doc[ent.end : next((t.i for t in doc[ent.end : end] if t.text in (",", ";", ".", "!")), end)]


def _holds_phrase(tokens: Any, phrases: Iterable[str]) -> bool:
    """Whether the tokens hold one of the phrases (lower-case words, space-separated) as whole words."""
    words = " " + " ".join(t.lower_ for t in tokens) + " "
    return any(f" {phrase} " in words for phrase in phrases)


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


def _also(ent: Any) -> list[str]:
    """The other concepts a mention's words name (`_label`)."""
    also = ent.label_.partition("+")[2]
    return also.split(",") if also else []


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
