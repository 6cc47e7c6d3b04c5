"""What is written right after a mention that answers it: a denial ("malignancy - no"), one that names its
source, a checkbox, a relative, a mark of presence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from cds_service.engine.text.line_marks import field_starts_after
from cds_service.engine.text.tokens import ENDS, ITEM_JOINS, doc_text
from cds_service.knowledge.model import Context, Lexicon

_COUNT = re.compile(r"\d+(?:\.\d+)?([a-z]*)$")  # "6", "6wks": a number and the unit glued to it
_LISTED_TOKENS = 12  # how far a list of findings before its denial may run ("Hx ca/IVDU/steroids: none")


class Answer(Enum):
    """How a denial written after a mention ends (`TextReader._answer_end`)."""

    CLOSES = "closes"  # "Cancer hx: none": the mention is denied
    SOURCED = "sourced"  # "Mets: ruled out on PET": of the finding or of one test, uncertain
    OPEN = "open"  # "Hx lung ca: negative PET 6 mo ago": about something else


def _begins_with(words: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether the words begin with one of the phrases."""
    return any(tuple(words[: len(phrase)]) == phrase for phrase in phrases)


def _words_from(doc: Any, i: int, most: int = 4) -> list[str]:
    """The lower-cased words from token `i` on, spaces aside."""
    return [t.lower_ for t in doc[i : i + most + 4] if not t.is_space][:most]


def _a_bound(words: list[str], units: Mapping[str, float]) -> bool:
    """Whether the words begin with a time's bound ("< 6 wks", "<6 months"), not a box ("<>", "<1>")."""
    if words[0] == "<":
        words = words[1:]
    elif words[0][:1] == "<":
        words = [words[0][1:], *words[1:]]
    else:
        return False
    counted = _COUNT.match(words[0]) if words else None
    if counted is None:
        return False
    unit = counted.group(1) or (words[1] if len(words) > 1 else "")
    return unit in units


def _field_or_end(doc: Any, i: int) -> bool:
    """Whether token `i` is the text's end, a line break, or the start of a field: up to three words and a colon
    ("Fever: N.", "Night sweats:")."""
    if i >= len(doc) or "\n" in doc[i].text or "\n" in doc[i - 1].whitespace_:
        return True
    for token in doc[i : i + 4]:
        if token.text == ":":
            return token.i > i
        if not token.is_alpha:
            return False
    return False


def _stops_at(doc: Any, i: int) -> bool:
    """Whether what follows token `i - 1` is no word it could govern: a line break, a mark, a list's join or a word
    in capitals, which may begin a sentence ("CGH: no\nPT x 3", "CGH: no (per pt)", "CGH: no / IVDU: no", "CGH: no
    and no IVDU", "CGH: no Yours sincerely"; not "neck pain - no radiation")."""
    while i < len(doc) and doc[i].is_space:
        if "\n" in doc[i].text:
            return True
        i += 1
    return i < len(doc) and (not doc[i].text[:1].isalnum() or doc[i].lower_ in ITEM_JOINS or doc[i].text[:1].isupper())


_LEADER = re.compile(r"[.…]+")  # a form's dotted leader between a label and its answer ("History of cancer .... No")


class AnswersAfter:
    """The rules on what is written after a mention: a part of TextReader (reader.py)."""

    lexicon: Lexicon

    def _answered_after(self, doc: Any, ent: Any, context: Context) -> Context:
        """A mention's context as what is written right after it answers it: a denial ("malignancy - no") negates, one
        that names its source ("Mets: neg on bone scan": the finding's denial or one test's) or ends at a flowsheet's
        next field leaves it uncertain, and so do a relative as the whole answer ("Prostate ca - father;": the
        relative's, or the patient's with the relative at the bedside) and a mark of presence after a denied or past
        mention ("denies fever, HIV positive", "hx IVDU (active)"). A checkbox answer or a denial after the
        parenthesis it stands in leaves any mention uncertain (`_boxed_after`, `_list_denied_after`)."""
        if context is not Context.FAMILY and self._ticked_no(doc, ent):
            return Context.NEGATED
        if context is not Context.FAMILY and (
            self._boxed_after(doc, ent) or self._list_denied_after(doc, ent) or self._listed_before_a_denial(doc, ent)
        ):
            return Context.UNCERTAIN
        denial = self._denied_after(doc, ent)
        stated = context in (Context.AFFIRMED, Context.HISTORICAL)
        if denial is Answer.CLOSES:
            return Context.NEGATED
        if denial is Answer.SOURCED and stated:
            return Context.UNCERTAIN
        if stated and self._answered_by_a_relative(doc, ent):
            return Context.UNCERTAIN  # the relative's, or said to them ("Breast ca - mother at bedside")
        if context in (Context.NEGATED, Context.HYPOTHETICAL, Context.HISTORICAL) and self._marked_present(doc, ent):
            return Context.UNCERTAIN
        return context

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
        i = self._past_label(doc, ent.end)
        marked = i < len(doc) and doc[i].text in lexicon.denial_marks
        rest = [t.lower_ for t in doc[i + marked : i + marked + 5]]
        if marked and (not rest or not rest[0].strip()):
            return True  # "Cancer:" and nothing after it on its line: a field left blank
        return bool(rest) and (
            (rest[0][:1] in lexicon.answer_boxes and not _a_bound(rest, lexicon.durations.unit_days))
            or (marked and _begins_with(rest, lexicon.blank_after_mark))  # "Cancer: -", "Cancer: TBD"
            or _begins_with(rest, lexicon.blank_anywhere)  # "Cancer: yes/no", "Malignancy (Y/N): N"
        )

    def _ticked_no(self, doc: Any, ent: Any) -> bool:
        """Whether the rest of a mention's line (past its label's words and a mark or a question mark) is nothing but
        a form's boxes, each before its word, one ticked and its word a denial, the others' words a presence ("Fever:
        [ ] Y [x] N", "Wt loss: ☐ yes ☒ no", "Hx of malignancy? [ ] Y [x] N")."""
        lexicon = self.lexicon
        starts = lexicon.box_starts
        if doc[ent.end - 1].text[:1] in starts:
            i = ent.end - 1  # (a mention whose words end with its first box: "Radiates to arm: [")
        else:
            i = self._past_label(doc, ent.end)
            i += i < len(doc) and (doc[i].text in lexicon.denial_marks or doc[i].text == "?")
        if i >= len(doc) or doc[i].text[:1] not in starts:
            return False
        text = doc_text(doc)
        end = text.find("\n", doc[i].idx)
        rest = text[doc[i].idx : len(text) if end < 0 else end].rstrip(" .;,")
        pairs, at = [], 0
        for found in lexicon.boxed_answers.finditer(rest):
            if found.start() != at:
                return False
            pairs.append((found["box"] in lexicon.ticked_boxes, found["word"].lower()))
            at = found.end()
        ticked = [word for tick, word in pairs if tick]
        others = [word for tick, word in pairs if not tick]
        return (
            at == len(rest)
            and len(ticked) == 1
            and ticked[0] in lexicon.denial_words
            and bool(others)
            and all(word in lexicon.presence_marks for word in others)
        )

    def _list_denied_after(self, doc: Any, ent: Any) -> bool:
        """Whether a denial follows the parenthesis a mention stands in ("Red flags (hx cancer, fever, IVDU) - none":
        it may deny the list or answer the label)."""
        text, sentence, lexicon = doc_text(doc), ent.sent, self.lexicon
        opened = text.rfind("(", sentence.start_char, ent.start_char)
        closed = text.find(")", ent.end_char, sentence.end_char)
        if opened < 0 or closed < 0 or ")" in text[opened : ent.start_char] or "(" in text[ent.end_char : closed]:
            return False
        after = doc.char_span(closed, closed + 1, alignment_mode="expand")[0]
        i = after.i + 1  # (spaCy keeps "):" as one token, an emoticon's)
        i += after.text == ")" and i < len(doc) and doc[i].text in lexicon.denial_marks
        return i < len(doc) and doc[i].lower_ in lexicon.denial_words

    def _denied_after(self, doc: Any, ent: Any) -> Answer:
        """ "malignancy - no", "Hx cancer: denies", "Cancer hx: none known", "Cancer (no)": a mark and a denial word
        close the mention's clause (a label's words may stand before the mark, `between_words` after it,
        `after_words` after the denial); see `_answer_end`. A denial that goes on leaves a finding uncertain, and an
        indication too where a line break or a mark follows it, unless it is of what follows (`_denies_what_follows`).
        """
        lexicon = self.lexicon
        i = self._past_label(doc, ent.end)
        if i < len(doc) and doc[i].is_space and doc[i].text.count("\n") > 1 and self._answer_alone(doc, i + 1):
            return Answer.SOURCED  # "Lymphoma⏎⏎No": after a blank line, the answer may be its or another's
        after_mark = self._after_mark(doc, i) if i < len(doc) else None
        marked = after_mark is not None
        if after_mark is not None:
            i = self._past(doc, after_mark, lexicon.denial_between_words)
        if self._parenthesised_denial(doc, i):  # "Cancer (no)", "Hx cancer - (N)"; "IVDU (no) - relapsed": taken back
            return Answer.SOURCED if self._contradicted_after(doc, i + 3) else Answer.CLOSES
        if i >= len(doc):
            return Answer.OPEN
        word = doc[i].lower_
        if not marked or word in lexicon.unread_answers:
            return self._unread_answer(doc, ent, i)
        if word not in lexicon.denial_words:
            return Answer.OPEN
        answer = self._answer_end(doc, i + 1)
        if answer is Answer.CLOSES and self._contradicted_after(doc, i + 1):
            return Answer.SOURCED  # "Hx ca: pt says no, wife says yes", "Breast ca: nope, cured"
        if answer is not Answer.OPEN or self._denies_what_follows(doc, i + 1):
            return answer
        if self._kind(ent) != "indication" or _stops_at(doc, i + 1):
            return Answer.SOURCED  # "Hx cancer: denies\nTriage ESI 3", "CGH: no (per pt)": maybe of what follows
        return answer  # "neck pain - no radiation": the neck pain is told

    def _unread_answer(self, doc: Any, ent: Any, i: int) -> Answer:
        """SOURCED (uncertain) when token `i`, right after a finding (or its mark), is an answer the reader does not
        take as a denial and closes the clause: one of `unread_answers` ("Hx of cancer 0", "Cancer: not", "cancer
        history unremarkable") or a denial word without a mark ("Hx cancer no", "trauma denied"). Not an
        indication's."""
        lexicon = self.lexicon
        word = doc[i].lower_
        if self._kind(ent) == "indication" or (word not in lexicon.unread_answers and word not in lexicon.denial_words):
            return Answer.OPEN
        words = _words_from(doc, i)
        unmarked = next((p for p in lexicon.unmarked_denials if tuple(words[: len(p)]) == p), None)
        if unmarked is not None:  # "Cancer Neg Hx": a grid's column, closing its line
            end = self._answer_end(doc, i + len(unmarked))
            return Answer.CLOSES if end is Answer.CLOSES else Answer.SOURCED
        return Answer.OPEN if self._answer_end(doc, i + 1) is Answer.OPEN else Answer.SOURCED

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

    def _after_mark(self, doc: Any, i: int) -> int | None:
        """The token after a mark before a trailing denial at token `i`, or None where there is none: one of `marks`, a
        list's mark glued to both words ("hx ca;no", "Hx ca|no"), a form's dotted leader ("History of cancer ....
        No"), an answer's label ("Q: Hx of cancer A: No"), or the line's end where the answer alone fills the next line
        ("History of cancer⏎No": a fifty-third review; after a blank line it is in doubt, `_denied_after`)."""
        token, lexicon = doc[i], self.lexicon
        if token.lower_ in lexicon.denial_marks:
            return i + 1
        glued = i > 0 and not doc[i - 1].whitespace_ and not token.whitespace_
        if glued and token.text in (";", "|", "&", "/", "!"):
            return i + 1
        if _LEADER.fullmatch(token.text) and (len(token) > 1 or (i + 1 < len(doc) and doc[i + 1].text == ".")):
            while i < len(doc) and _LEADER.fullmatch(doc[i].text):
                i += 1
            return i
        if token.text in lexicon.answer_labels and i + 1 < len(doc) and doc[i + 1].text == ":":
            return i + 2
        if token.is_space and token.text.count("\n") == 1 and self._answer_alone(doc, i + 1):
            return i + 1 + (doc[i + 1].text in lexicon.denial_marks)
        return None

    def _answer_alone(self, doc: Any, i: int) -> bool:
        """Whether token `i` is a denial word that fills its line alone (a mark may begin it, a full stop end it:
        "- No")."""
        i += i + 1 < len(doc) and doc[i].text in self.lexicon.denial_marks
        if i >= len(doc) or doc[i].lower_ not in self.lexicon.denial_words:
            return False
        end = i + 1 + (i + 1 < len(doc) and doc[i + 1].text == ".")
        return end >= len(doc) or (doc[end].is_space and "\n" in doc[end].text)

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
            if token.lower_ in ITEM_JOINS:
                items += 1
            elif not token.is_alpha and token.ent_iob_ not in ("B", "I"):
                break
            i += 1
        if not items or i >= len(doc) or doc[i].text not in lexicon.denial_marks or self._kind(ent) == "indication":
            return False
        i = self._past(doc, i + 1, lexicon.denial_between_words)
        return (
            i < len(doc) and doc[i].lower_ in lexicon.denial_words and self._answer_end(doc, i + 1) is not Answer.OPEN
        )

    def _answered_by_a_relative(self, doc: Any, ent: Any) -> bool:
        """Whether a relative is the whole answer after a finding (`relative_answers`: "Prostate ca - father;", "Breast
        cancer: mother, aunt", "Leukemia - brother, deceased"; not "lung ca - daughter is HCP", "Breast ca - mother at
        bedside"); not an indication's ("neck pain, mother drove her"). Without a mark, the row of a family-history
        table ("Cancer Mother 62", "Breast cancer<tab>Mother<tab>55", "Colon cancer Paternal Uncle"): the relative
        then ends its line or stands before an age (not "breast cancer mother of 3")."""
        answers = self.lexicon.relative_answers
        i = self._past_label(doc, ent.end)
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
        return doc[end].text in ENDS if marked else doc[end].like_num and "\n" not in doc[start - 1].text

    def _answer_end(self, doc: Any, i: int) -> Answer:
        """How a denial written after a mention goes on from token `i`: it closes the clause (`after_words` may stand
        between), names its source ("ruled out on PET": `source_words`), or goes on about something else."""
        lexicon = self.lexicon
        if 0 < i <= len(doc) and len(doc[i - 1]) > 1 and doc[i - 1].text.endswith("."):
            # its own full stop ("Trauma: N. Fever: N.": spaCy keeps "N." one word) before the end, a line's end or
            # the next field's label; not before words that may go on about it ("Cancer: N. per pt report", "Fever:
            # N. 39.2 last night", "IVDU: N. Last used 2 days ago")
            return Answer.CLOSES if _field_or_end(doc, i) else Answer.SOURCED
        i = self._past(doc, i, lexicon.denial_after_words)
        if self._clause_ends_at(doc, i):
            return Answer.CLOSES
        if doc[i].lower_ in lexicon.denial_source_words or field_starts_after(doc, i):
            return Answer.SOURCED  # (a flowsheet's next field may answer it again: "Fever: no  Wife reports: yes")
        return Answer.OPEN

    def _past_label(self, doc: Any, i: int) -> int:
        """The first token from `i` on past a label's words, and one of them in parentheses ("Hx of cancer:",
        "Malignancy (self): N", "Lymphoma (pt): no"); at its closing "):" (one token, a mark) where the mark is glued
        to it."""
        lexicon = self.lexicon
        i = self._past(doc, i, lexicon.denial_label_words)
        words = [t.text.lower() for t in doc[i : i + 3]]
        if len(words) == 3 and words[0] == "(" and words[1] in lexicon.denial_parenthesised_labels:
            if words[2] == ")":
                return i + 3
            if words[2] == "):":
                return i + 2
        return i

    @staticmethod
    def _past(doc: Any, i: int, words: frozenset[str], most: int = 3) -> int:
        """The first token from `i` on that is not one of `words` (at most `most` skipped)."""
        end = min(i + most, len(doc))
        while i < end and doc[i].lower_ in words:
            i += 1
        return i
