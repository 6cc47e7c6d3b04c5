"""Whether what the cues say of a mention holds now: the cues that modify it and which overrides which, words of
the present ("currently", "still") after a history, a denial of the present."""

from __future__ import annotations

import re
from typing import Any

from cds_service.engine.text.tokens import ENDS, concept_of
from cds_service.knowledge.model import Context, Lexicon, Role

_LIST_END = "LIST_END"  # a cue that only ends a negation's or a hypothetical's list ("+", "other than")
_PHRASE_MARKS = frozenset({",", ":", "-", "--", "–", "—"})  # end a phrase of a clause (";" ends the clause)
_TIME_START = re.compile(r"^(?:x?\d|x$)")  # "3", "x3wks", "x"


def _words_between(doc: Any, first: Any, second: Any) -> bool:
    """Whether a word (not punctuation) stands between two cues."""
    start, end = first.modifier_span[1], second.modifier_span[0]
    return any(t.is_alpha for t in doc[start:end])


class CurrentState:
    """The rules on a mention's modifiers and its present state: a part of TextReader (reader.py)."""

    lexicon: Lexicon
    _roles: dict[str, Role]
    _present: re.Pattern[str]

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
                return context if self._roles.get(concept_of(ent)) is Role.INDICATION else Context.UNCERTAIN
            return Context.AFFIRMED
        if context is Context.HYPOTHETICAL:
            return context
        if self._roles.get(concept_of(ent)) is not Role.INDICATION:  # "hx IVDU, relapsed last month": maybe current
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
        return word in ENDS or bool(_TIME_START.match(word)) or word in self.lexicon.present_follows or word in present

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
