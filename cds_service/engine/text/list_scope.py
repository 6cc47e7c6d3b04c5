"""How far a negation or a hypothetical runs through a list of mentions ("no fever, chills or weight loss"), and
where a list is cut: another kind of mention, a statement, a label, a mark."""

from __future__ import annotations

import re
from collections.abc import Collection
from itertools import pairwise
from typing import Any

from cds_service.engine.text.answers_after import Answer
from cds_service.engine.text.line_marks import FIELD_SEPARATORS
from cds_service.engine.text.tokens import CATEGORY, ITEM_JOINS, concept_of, doc_text, holds_phrase, padded_between
from cds_service.knowledge.model import Lexicon, Role

_LISTING = ("NEGATED_EXISTENCE", "HYPOTHETICAL")  # cue categories whose scope runs through a comma-separated list
# cue categories whose scope a comma ends (lexicon.yaml `terminated_by`), though what they say may run on through a
# list ("FHx: HTN, DM, breast ca", "r/o discitis, epidural abscess")
_STOPPED_BY_A_COMMA = ("FAMILY", "POSSIBLE_EXISTENCE")
_ITEM_SEPARATORS = frozenset({",", ";", "/", "&"})
_MARKS = frozenset({",", "/"})  # item joins that are marks, not words: what follows one may be a statement
_WORD_JOINS = ITEM_JOINS - _MARKS  # ("or using IV drugs": one more item)
_ITEM_WORDS = 3  # a list's item: at most this many words besides mentions and list words; more is a statement
_STATEMENT_ENDS = frozenset({".", ";", "!", "?", "|", "•", "·"})  # end a statement (a number after one is another's)
_LIST_RUN_ENDS = (_STATEMENT_ENDS | FIELD_SEPARATORS) - _ITEM_SEPARATORS  # ("FHx: HTN; DM; breast ca" runs on)
_PHRASE_ENDS = frozenset({"-", "--", "–", "—", ":", ";"})  # a cue written after a mention does not reach past these


def _tokens_between(doc: Any, first: Any, second: Any) -> Any:
    """The tokens between two spans (mentions, or a cue's words and a mention), in either order."""
    return doc[first.end : second.start] if first.end <= second.start else doc[second.end : first.start]


def _between(doc: Any, first: Any, second: Any, marks: Collection[str]) -> bool:
    """Whether one of `marks` stands between two mentions, or a cue's words and a mention ("no fever, T 38.9", "no
    fever (Tmax 38.9)")."""
    return any(t.text in marks for t in _tokens_between(doc, first, second))


def _under_a_family_heading(doc: Any, ents: list, lexicon: Lexicon) -> set[int]:
    """The mentions on the lines under a family history heading that ends its line ("Family history:⏎breast ca", "FH:⏎
    colon ca (father)"): the relatives' most likely, the patient's if the section ended unmarked, so uncertain (they
    were the patient's, and a radiograph warned for variant 5: review 45); up to a blank line or a line that begins
    with another label ("PMH:")."""
    sections = doc.user_data.get(_SECTIONS_KEY)
    if sections is None:  # (once per doc: the rules on lists run once per sentence)
        sections = doc.user_data[_SECTIONS_KEY] = _family_sections(doc, lexicon)
    return {e.start for e in ents for start, end in sections if start < e.start < end}


_SECTIONS_KEY = "family_sections"


def _family_sections(doc: Any, lexicon: Lexicon) -> list[tuple[int, int]]:
    """The (first, past the last) tokens of each family history heading's section in the doc."""
    graph = getattr(doc._, "context_graph", None)
    if graph is None:
        return []
    family = [m.modifier_span for m in graph.modifiers if m.category == "FAMILY"]
    relatives = {start for start, _ in family}
    sections = []
    for start, end in family:
        line_end = _heading_line_end(doc, start, end, lexicon.doubts.heading_words)
        if line_end is not None:
            sections.append((line_end, _section_end(doc, line_end, relatives, lexicon)))
    return sections


_BLANK_LINE = re.compile(r"\n\r?\n")  # a blank line (the reader's spacing has taken the spaces off it)
_HEADING_TAIL = 6  # the most words after a heading's name on its line ("Family hx reviewed and notable for:")


def _heading_line_end(doc: Any, start: int, end: int, heading_words: frozenset[str]) -> int | None:
    """The line break that ends a family heading's line: after its colon ("Family history:"), or after the heading
    alone on its line ("Family History", "FAMILY HX", "Family hx reviewed and notable for:", "FHx: see below": a
    fifty-third review, the relatives' cancers under them were the patient's); None where the line goes on with a
    finding of its own ("Family history: breast ca")."""
    text, at = doc_text(doc), doc[start].idx
    at_line_start = not text[text.rfind("\n", 0, at) + 1 : at].strip()
    for i in range(end, min(len(doc), end + _HEADING_TAIL + 1)):
        token = doc[i]
        if token.is_space and "\n" in token.text:
            return i if at_line_start or doc[i - 1].text == ":" else None
        if not token.is_space and token.lower_ not in heading_words:
            return None  # ("Family history: none", "Family history of lymphoma")
        if not at_line_start and i == end and token.text != ":":
            return None
    return None


def _section_end(doc: Any, start: int, relatives: Collection[int], lexicon: Lexicon) -> int:
    """The token where the lines after a heading's line break (`start`) end: a blank line (not one right after the
    heading); a line that begins with a label of a few words and a colon ("PMH:", "Social history:"), not a
    relative's ("Maternal:", "Father:": the tokens of `relatives`) nor a finding's ("Cancer: mother, aunt": an item);
    a line that begins with the patient ("Patient has lymphoma": `patient_words`); the end of a first line that only
    answers the heading ("non-contributory")."""
    lines = [t.i for t in doc[start:] if t.is_space and "\n" in t.text]
    for n, at in enumerate(lines):
        words = [t for t in doc[at + 1 : (lines[n + 1] if n + 1 < len(lines) else len(doc))] if not t.is_space]
        if at > start and _BLANK_LINE.search(doc[at].text):
            return at
        if words and words[0].lower_ in lexicon.doubts.patient_words:
            return at
        if n == 0 and words and (answered := _answered_in(words, lexicon)) is not None:
            return answered  # ("Family History⏎non-contributory⏎neck pain x 2 wks", "…⏎noncontributory. neck pain")
        label = next((k for k, t in enumerate(words[:4]) if t.text == ":"), None)
        if label and all(t.is_alpha for t in words[:label]) and not _an_item(words, relatives):
            return at
    return len(doc)


def _an_item(words: list, relatives: Collection[int]) -> bool:
    """Whether a labelled line is an item of a family section, not a new one: its label a relative's ("Maternal:"), or
    a finding's with a relative on the line ("Cancer: mother (breast)"; not "Cancer: patient, breast 2019")."""
    first = words[0]
    return first.i in relatives or (first.ent_iob_ in ("B", "I") and any(t.i in relatives for t in words))


def _answered_in(words: list, lexicon: Lexicon) -> int | None:
    """Where a heading's first line ends if it only answers the heading ("non-contributory", "none", "negative,
    reviewed"): the line's end, or the mark after its answer where the line goes on ("noncontributory. neck pain");
    None if it does not."""
    answers = lexicon.denial_words | lexicon.unread_answers
    written = "".join(t.text_with_ws for t in words).strip(" .;,").lower()
    if written in answers or all(t.is_punct or t.lower_ in answers for t in words):
        return words[-1].i + 1
    mark = next((k for k, t in enumerate(words) if t.text in (".", ";")), None)
    if mark and all(t.is_punct or t.lower_ in answers for t in words[:mark]):
        return words[mark].i
    return None


def _item_mark(token: Any) -> bool:
    """Whether a token ends a list's item: a comma, or a slash standing apart ("no fever / on xarelto"; not the
    slash of "h/o", "f/c": a forty-second review)."""
    if token.text == ",":
        return True
    return token.text == "/" and (bool(token.whitespace_) or (token.i > 0 and bool(token.doc[token.i - 1].whitespace_)))


def _marked_between(doc: Any, first: Any, second: Any) -> bool:
    """Whether an item's mark (`_item_mark`) or a parenthesis stands between two mentions."""
    return any(_item_mark(t) or t.text == "(" for t in _tokens_between(doc, first, second))


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


def _ends_item(token: Any, marks: tuple[str, ...], list_words: frozenset[str]) -> bool:
    """Whether a token bounds an item of a list: one of `marks`, or a list word ("or", "and")."""
    return token.text in marks or token.lower_ in list_words


class ListScope:
    """The rules on lists: a part of TextReader (reader.py)."""

    lexicon: Lexicon
    _roles: dict[str, Role]

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
        doubted |= self._listed_past_a_stop(doc, ents)
        doubted |= _under_a_family_heading(doc, ents, self.lexicon)
        self._reached_past_an_edge(doc, ents, cut, doubted)
        for span, reached in scopes.items():
            doubted |= self._listed_past_a_separator(doc, span, reached, ents)
            self._cut_scope(doc, span, reached, cut, doubted)
            if reached[0].start > span[0]:
                listed |= {e.start for e in sorted(reached, key=lambda e: e.start)[1:]}
        return cut, doubted, listed

    @staticmethod
    def _reached_past_an_edge(doc: Any, ents: list, cut: set[tuple[Any, int]], doubted: set[int]) -> None:
        """A family or doubt cue that reaches a mention across an edge (a line break read as a wrap, a column's run of
        spaces: `padded_between`), as a negation's list does not: the mention may be another line's statement
        ("neck pain x 2 wks. FH: Mother, 70: HTN⏎fever 39.2 today": the fever was read as the mother's, and an MRI
        warned; review 45), so it is uncertain, not the cue's."""
        for ent in ents:
            for modifier in ent._.modifiers:
                start, end = modifier.modifier_span
                if (
                    modifier.category in _STOPPED_BY_A_COMMA
                    and end <= ent.start
                    and padded_between(doc, doc[start:end], ent)
                ):
                    cut.add((modifier.modifier_span, ent.start))
                    doubted.add(ent.start)

    def _listed_past_a_stop(self, doc: Any, ents: list) -> set[int]:
        """The mentions a family or doubt cue written before them stops short of at a comma, in the list it begins
        ("FHx: HTN, DM, breast ca", "Mom: breast ca, ovarian ca", "r/o discitis, epidural abscess", "ddx: mets,
        myeloma"): they may be the relative's, or in doubt, too. Uncertain, not the cue's context: the list may also
        have ended (asymmetric rule)."""
        graph = getattr(doc._, "context_graph", None)
        if graph is None:
            return set()
        found: set[int] = set()
        for modifier in graph.modifiers:
            if modifier.category in _STOPPED_BY_A_COMMA and modifier.direction != "BACKWARD":
                found |= self._items_after(doc, modifier, ents)
        return found

    def _items_after(self, doc: Any, cue: Any, ents: list) -> set[int]:
        """The mentions in the later items of the list a cue begins that it does not reach (`_listed_past_a_stop`): past
        a separator (not "[x] fever", a ticked box), through items of a few words (`_list_items_between`), up to an
        indication, which the cue's list does not take ("r/o fracture, neck pain x 3 wks"); a mention with a cue of its
        own in its item is that cue's ("FH: CAD, hx lymphoma")."""
        end = cue.modifier_span[1]
        found: set[int] = set()
        previous, separated = end, False
        for ent in (e for e in ents if e.start >= end):
            if not self._list_items_between(doc, previous, ent.start, first=previous == end):
                break
            separated = separated or any(
                t.text in _ITEM_SEPARATORS or t.lower_ in self.lexicon.list_words for t in doc[previous : ent.start]
            )
            reached = any(m.modifier_span == cue.modifier_span for m in ent._.modifiers)
            if not reached and self._kind(ent) == "indication":
                break
            own_cue = any(
                previous <= m.modifier_span[0] < ent.start and m.category in CATEGORY.values() for m in ent._.modifiers
            )
            if separated and not reached and not own_cue:
                found.add(ent.start)
            previous = ent.end
        return found

    def _list_items_between(self, doc: Any, start: int, end: int, first: bool) -> bool:
        """Whether tokens `start`..`end` go on a list: separators (`,` `;` `/`, list words) between items of at most
        `_ITEM_WORDS` other words each, no other statement's or field's end, no label (a ":" other than the cue's
        own, `first`: "FHx: HTN, PMH: breast ca") and no word for the patient ("pt with")."""
        words = 0
        for token in doc[start:end]:
            if token.text in _LIST_RUN_ENDS:
                return False
            if token.text == ":" and not (first and token.i == start):
                return False
            if token.lower_ in self.lexicon.doubts.patient_nouns:
                return False  # the patient's own ("FHx: noncontributory, pt with metastatic breast ca")
            if token.text in _ITEM_SEPARATORS or token.lower_ in self.lexicon.list_words:
                words = 0
            elif token.is_alpha and token.ent_iob_ not in ("B", "I"):
                words += 1
                if words > _ITEM_WORDS:
                    return False
        return True

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
            words = [t.lower_ for t in doc[previous.end : ent.start] if t.text not in FIELD_SEPARATORS]
            if self._kind(ent) != kind or any(
                w not in ITEM_JOINS and w not in lexicon.list_words and w not in lexicon.denial_label_words
                for w in words
            ):
                break
            if _between(doc, last, ent, FIELD_SEPARATORS):
                found.add(ent.start)
            previous = ent
        return found

    def _cut_scope(self, doc: Any, span: Any, reached: list, cut: set[tuple[Any, int]], doubted: set[int]) -> None:
        """One cue's list, nearest mention first (see _lists_cut); adds to `cut` and `doubted`. A field's separator
        between the cue and a mention ("-ve fever; R arm weakness", "no fever | R arm weakness", "Neg weakness •
        metastatic prostate ca"), or a run of spaces (a column's edge), leaves that one uncertain: it may be another
        field's."""
        cue = doc[span[0] : span[1]]
        fenced = [e for e in reached if _between(doc, cue, e, FIELD_SEPARATORS) or padded_between(doc, cue, e)]
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
        first_across_words = self._other_words_and_comma(doc, span, ordered[0]) and not (
            not backward and self._symptom_items(doc, span, None, ordered[0], earlier=False)
        )
        if first_across_words or (
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
        # statement of its own, or one more item denied); a label's words alone introduce the item ("no hx of spine
        # surgery", "denies any known history of radiculopathy")
        words = [t.lower_ for t in between if not t.is_space]
        if not words or all(w in lexicon.denial_label_words or w in lexicon.history_denial_links for w in words):
            return False
        return words[-1] in lexicon.list_words and words[-1] not in ITEM_JOINS

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
        # items between the cue and its first mention ("Negative for activity change, appetite change, chills, ...")
        lead = not backward and any(t.lower_ in ITEM_JOINS for t in doc[span[1] : ordered[0].start])
        for i, (before, ent) in enumerate(pairwise(ordered)):
            earlier = i > 0 or lead  # (an item before the one before: the list shows itself as one)
            if (span, before.start) in cut:  # past the first cut, the rest of the list is cut too
                cut.add((span, ent.start))
                if before.start in doubted or self._kind(ent) == first_kind:
                    doubted.add(ent.start)  # ("denies fever, numbness in arms, weight loss": may still be denied)
            elif self._doubtful_item(doc, before, ent, backward) and not (
                not backward and self._symptom_items(doc, span, before, ent, earlier)
            ):
                cut.add((span, ent.start))
                doubted.add(ent.start)
            elif self._comma_between(doc, before, ent) and self._kind(ent) != first_kind:
                if first_kind == "indication" and self._bare_item(doc, span, before, ent, earlier):
                    continue  # "Denies radiation to the arms, numbness, tingling or weakness": one more item denied
                cut.add((span, ent.start))  # "no trauma, neck pain x3 wks": the neck pain is stated
                if first_kind == "indication" or self._has_other_word(doc[before.end : ent.start]):
                    # "Denies arm numbness, fever since Monday", "No fever, chills, pain radiating to the arms": may
                    # be denied too
                    doubted.add(ent.start)
            elif (
                not backward
                and not _between(doc, before, ent, ITEM_JOINS)
                and self._run_on(doc, before, ent, first_kind)
            ):
                cut.add((span, ent.start))  # "no fever radiating down the left arm", "no fever on eliquis" (no
                doubted.add(ent.start)  # comma, no "or"): a run-on statement, or one more item denied

    def _bare_item(self, doc: Any, span: Any, before: Any, ent: Any, earlier: bool) -> bool:
        """Whether a mention is one more bare item of the list cue `span` begins, after the one before: only list words
        and marks between them ("numbness, tingling or"), in a list that shows itself as one (`_visible_list`: not
        "No arm numbness, IV drug use"), nothing but its name in its item, no cue of its own or history word ("hx ca":
        maybe stated), no time, value or word that states it ("fever since Monday", "fever 101.5", "on eliquis")."""
        lexicon = self.lexicon
        if concept_of(ent) not in lexicon.doubts.symptom_concepts:
            return False  # a diagnosis may be a statement ("no arm pain, HIV")
        between = doc[before.end : ent.start]
        if self._unlisted_words(between) or any(t.like_num for t in between):
            return False
        if not self._visible_list(doc, between, ent, earlier):
            return False
        if any(m.modifier_span != span for m in ent._.modifiers) or any(
            t.lower_ in lexicon.durations.history_class_words for t in doc[ent.start : ent.end]
        ):
            return False
        item = [t for t in self._item(doc, ent, (",", "(", ":")) if not ent.start <= t.i < ent.end]
        after = doc[ent.end : min(ent.end + 2, len(doc))]
        return (
            not self._unlisted_words(item)
            and not self._told_when(doc, ent)
            and not any(t.like_num or t.lower_ in lexicon.durations.unit_days for t in after)
            and not self._asserted(doc, ent)
            and not self._states_amount(doc, ent)
        )

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
            or (_marked_between(doc, before, ent) and (self._states_amount(doc, ent) or self._asserted(doc, ent)))
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
            and any(t.lower_ in ITEM_JOINS for t in doc[before.end : m.modifier_span[0]])
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
        if answer is Answer.CLOSES:
            return False
        cut |= {(span, e.start) for e in ordered}
        if answer is Answer.SOURCED:
            doubted.add(ordered[0].start)
        return True

    def _answers_a_label(self, doc: Any, ent: Any, span: tuple[int, int]) -> Answer:
        """Whether a cue written after a mention answers the mention's label ("Cancer hx: none", "Mets: ruled out"):
        only the label's words and one ":" between, and the cue ends its clause (see `_answer_end`). Not across a dash
        or ";" ("hx prostate ca - negative bone scan"), nor a cue about another noun ("Hx lung ca: negative PET 6 mo
        ago")."""
        between = [t for t in doc[ent.end : span[0]] if t.lower_ not in self.lexicon.denial_label_words]
        if [t.text for t in between] != [":"]:
            return Answer.OPEN
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
        return doc[mark].text in lexicon.denial_marks and self._answer_end(doc, end) is not Answer.OPEN

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
        """Whether a comma or a slash and a word that is not a list word stand between a cue (or mention) and a mention
        ("no fever / on xarelto": a forty-second review), or such a word after a parenthesis, a bracket or a spaced dash
        ("no red flags (on eliquis)", "no red flags - on eliquis"; not "RTC precautions reviewed - fever"), or a word
        glued to a dash after a cue ("No trauma- MVC"; not before a cue written after: "Trauma hx- none")."""
        forward = span[1] <= ent.start
        start, end = (span[1], ent.start) if forward else (ent.end, span[0])
        between = doc[start:end]
        if any(_item_mark(t) for t in between):
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

    def _symptom_items(self, doc: Any, cue: tuple[int, int], before: Any, ent: Any, earlier: bool) -> bool:
        """Whether the negation's or hypothetical's list `cue` begins reaches a mention across items of a symptom's
        words the reader does not read as a concept (`symptom_item_words`: "Denies arm pain, paresthesias, weakness",
        "return if fever, numbness in the arms, loss of bladder control", "neg for rigors, diaphoresis, anorexia,
        fever"), in a list that shows itself as one (`_visible_list`: not "No arm pain, fever"); not the complaint's own
        words after another kind of finding as the list's first item ("No trauma, arm pain, weakness": maybe stated)."""
        doubts = self.lexicon.doubts
        start = cue[1] if before is None else before.end
        if start > ent.start:
            return False
        between = doc[start : ent.start]
        after_another_kind = before is not None and not earlier and self._kind(before) != "indication"
        if after_another_kind and any(t.lower_ in doubts.complaint_words for t in between):
            return False
        if concept_of(ent) not in doubts.symptom_concepts and self._kind(ent) != "indication":
            return False  # a diagnosis may be a statement ("Denies arm pain, HIV")
        if self._told_when(doc, ent):
            return False  # "No arm pain, weakness, fever since Monday"
        if not any(m.category in _LISTING and m.modifier_span == cue for m in ent._.modifiers):
            return False
        if self._unlisted_words(between, doubts.symptom_item_words, doubts.site_words):
            return False
        return self._visible_list(doc, between, ent, earlier)

    def _told_when(self, doc: Any, ent: Any) -> bool:
        """Whether a mention's item of a list, or any later item of its clause, tells when it began or happened
        (`item_time_words`, a number): "fever since Monday", "chills this am", "fever x 3 days" read as statements,
        and "No arm pain, weakness, fever since Monday" (the time may be the weakness's too)."""
        words = self.lexicon.doubts.item_time_words
        end = next((t.i for t in doc[ent.end : ent.sent.end] if t.text in (";", ".")), ent.sent.end)
        item = [t for t in self._item(doc, ent, (",", "(", ":")) if not ent.start <= t.i < ent.end]
        return any(t.like_num or t.lower_ in words for t in (*item, *doc[ent.end : end]))

    def _visible_list(self, doc: Any, between: Any, ent: Any, earlier: bool) -> bool:
        """Whether a list shows itself as one around a mention: an item before the one before it (`earlier`), two
        joins between ("arm pain, paresthesias, weakness"; "radiation below the shoulder, paresthesias or weakness"),
        or a join and another item after it ("fever, chills")."""
        if earlier or sum(t.lower_ in ITEM_JOINS for t in between) >= 2:
            return True
        for t in doc[ent.end : min(ent.end + 4, len(doc) - 1)]:  # ("gait problem and joint swelling")
            if t.text in (".", ";", ")"):
                return False
            if t.lower_ in ITEM_JOINS:
                following = doc[t.i + 1]
                return following.is_alpha or following.ent_iob_ == "B"
        return False

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
        # one more item after a word that joins it; not after a mark ("no fever, on chemo": a forty-second review)
        joined = ent.start > 0 and doc[ent.start - 1].lower_ in _WORD_JOINS
        return (
            (doc[ent.start].lower_ in self.lexicon.current_words and not joined)
            or any(t.lower_ in self.lexicon.doubts.inability_words for t in doc[ent.start : ent.end])
            or "H" in ent.label_.partition("|")[2]
            or self._described(doc, ent)
        )

    def _described(self, doc: Any, ent: Any) -> bool:
        """Whether a mention is of a condition (lexicon.yaml `cues.doubts.described_conditions`) written with more than
        its name in its item of a list (between `,` `(` `:` or a list word and `,` `;` `)` or a list word): another
        mention or a word that is not a list word ("metastatic prostate ca", "RA on methotrexate", "breast ca s/p
        mastectomy"; not "malignancy or IVDU")."""
        if concept_of(ent) not in self.lexicon.doubts.described_conditions:
            return False
        # (an item begins after a label's colon too: "denies: trauma, fever" was "described" by its "denies", so
        # uncertain, a forty-second review)
        others = [t for t in self._item(doc, ent, (",", "(", ":")) if not ent.start <= t.i < ent.end]  # (no list word)
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
        return holds_phrase(doc[first.end : second.start], self.lexicon.doubts.new_statements)

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
        role = self._roles.get(concept_of(ent))
        return "indication" if role in (Role.INDICATION, Role.PRIOR_SURGERY) else "other"
