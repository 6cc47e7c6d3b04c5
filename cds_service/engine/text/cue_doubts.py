"""Where a ConText cue's reading of a mention is doubtful (lexicon.yaml `cues.doubts`): the mention is then
uncertain (it may block a warning, never make one)."""

from __future__ import annotations

import re
from typing import Any

from cds_service.engine.text.line_marks import line_questioned
from cds_service.engine.text.times import TimeNote
from cds_service.engine.text.tokens import CATEGORY, ENDS, WORD, concept_of, doc_text, holds_phrase
from cds_service.knowledge.model import Context, Lexicon, Role

_ELLIPSES = frozenset({"..", "...", "....", "…"})  # may end a statement, or only pause in it
_MANNER_REACH = 5  # tokens after a denied mention where a manner word may stand ("... eliquis as often as prescribed")


def _phrase_after(doc: Any, ent: Any, reach: int | None = None) -> Any:
    """The tokens after a mention up to its phrase's end (`,` `;` `.` `!` or the sentence's), at most `reach`."""
    end = ent.sent.end if reach is None else min(ent.end + reach, ent.sent.end)
    return doc[ent.end : next((t.i for t in doc[ent.end : end] if t.text in (",", ";", ".", "!")), end)]


class CueDoubts:
    """The rules that doubt a cue's reading: a part of TextReader (reader.py)."""

    lexicon: Lexicon
    _roles: dict[str, Role]
    _reason_link: dict[str, re.Pattern[str]]

    def _doubted(self, doc: Any, ent: Any, context: Context, listed: bool, notes: list[TimeNote]) -> bool:
        """Whether a cue's reading of a mention is doubtful (lexicon.yaml `cues.doubts`): a mention with only its time
        after it, questioned by a mark standing apart (`line_questioned`); what a planned or stopped treatment is for
        ("planning chemo for lymphoma", "no longer on chemo for breast ca"), and what a past treatment or test of an
        indication was for ("s/p ESI for C6 radiculopathy": it may be there still); a relative's word before an injury
        ("picked up daughter and fell"); an injury a negation reaches through a list, told with its date ("no trauma
        and fell yesterday"); a denial that ended ("never had arm weakness until last week": `until_words` after the
        mention in its clause). `listed`: the negation reached another mention first."""
        if (
            context is Context.HISTORICAL
            and self._roles.get(concept_of(ent)) is Role.INDICATION
            and self._after_reason_link(doc, ent, "HISTORICAL")
        ):
            return True  # what a past treatment or test was for may still be there ("s/p ESI for C6 radiculopathy")
        if context in (Context.AFFIRMED, Context.HISTORICAL):
            return line_questioned(doc_text(doc), ent.end_char, ent.sent.end_char, notes)
        if context in (Context.HYPOTHETICAL, Context.NEGATED) and (
            self._after_reason_link(doc, ent, CATEGORY[context]) or self._contraindication_told(doc, ent, context)
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
        event = concept_of(ent) in self.lexicon.doubts.events
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
        if self._roles.get(concept_of(ent)) is not Role.CONTRAINDICATION:
            return False
        words = self.lexicon.doubts.contraindication_denial_words
        listed = {t.i for other in doc.ents if concept_of(other) == concept_of(ent) for t in other}
        for modifier in ent._.modifiers:
            start, end = modifier.modifier_span
            if modifier.category != CATEGORY[context] or start >= ent.end:
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
        doubts, text = self.lexicon.doubts, doc_text(doc)
        if concept_of(ent) in doubts.events:
            return False
        for note in notes:
            if note.days is None or note.start < ent.end_char or note.start >= ent.sent.end_char:
                continue
            between = text[ent.end_char : note.start]
            if any(mark in between for mark in ",;.!"):
                continue  # another clause's time
            words = WORD.findall(f"{between} {text[note.start : note.end]}".lower())
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
        return holds_phrase(_phrase_after(doc, ent, _MANNER_REACH), self.lexicon.doubts.manner_words)

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
            and holds_phrase(doc[m.modifier_span[1] : ent.start], links)
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
        text = doc_text(doc)
        phrase_start = max(text.rfind(mark, ent.sent.start_char, ent.start_char) for mark in ",;.") + 1
        links = list(self._reason_link[category].finditer(text, max(phrase_start, ent.sent.start_char), ent.start_char))
        if not links:
            return False
        found = links[-1]  # the last link before the mention
        link = doc.char_span(found.start("link"), found.end("link"), alignment_mode="expand")
        # between the cue and the link, in the mention's phrase: other words for a plan ("scheduled for resection of"),
        # another mention for a negation (the stopped treatment: "no longer on chemo for"; not "no concern for
        # infection"; not an earlier item's words: "return if numbness in the arms, loss of bladder control")
        negated = category == "NEGATED_EXISTENCE"
        return link is not None and any(
            m.category == category
            and any(
                t.ent_iob_ == "B" if negated else self._plan_word(t)
                for t in doc[m.modifier_span[1] : link.start]
                if t.idx >= phrase_start or negated
            )
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
            if token.text in ENDS or token.ent_iob_ == "B":
                break
            if token.lower_ in self.lexicon.doubts.event_days:
                return True
        text = doc_text(doc)
        for note in notes:
            if note.start < ent.end_char or any(mark in text[ent.end_char : note.start] for mark in ",;("):
                continue
            if any(t.ent_iob_ == "B" for t in doc.char_span(ent.end_char, note.start, alignment_mode="expand") or ()):
                continue
            following = WORD.match(text[note.end :].lstrip(" '’"))
            words = set(WORD.findall(text[note.start : note.end].lower()))
            if following:
                words.add(following.group().lower())
            if note.year is not None or note.month is not None or words & self.lexicon.doubts.event_times:
                return True
        return False
