"""Which mention each time expression belongs to ("neck pain x 3 wks"), and what a time with no mention says of
the symptoms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cds_service.engine.text.mention import SYMPTOMS, TextMention
from cds_service.engine.text.times import TimeNote
from cds_service.engine.text.tokens import WORD, doc_text
from cds_service.knowledge.model import Context, Lexicon

_PHRASE_OPENING = re.compile(r",|\s[-–—]+\s")  # a comma or a spaced dash opens a phrase of a clause
_PHRASE_REACH = 14  # words before a time in its phrase where a word of worsening may stand
_LEVEL = re.compile(r"^c[1-8](-c?[1-8]|-t1)?$")  # C5, C5-6, C5-C6, C7-T1


def told_chronic(times: tuple[TimeNote, ...]) -> bool:
    """Whether a mention's times call it chronic, or give it a span of a year or more ("hx of chronic neck pain", "h/o
    neck pain x 10 yrs"; not a dated episode, "hx of neck pain 2019, resolved")."""
    return any((t.classes and "chronic" in t.classes) or (t.days is not None and t.days[0] >= 365) for t in times)


def in_phrase_before(text: str, sentence: Any, note: TimeNote, words: frozenset[str]) -> bool:
    """Whether one of `words` stands in the phrase of a time expression before it (since the last `,` `;` `:` `.`
    of its sentence, at most `_PHRASE_REACH` words back)."""
    start = max(sentence.start_char, _phrase_start(text, note.start))
    return any(w in words for w in WORD.findall(text[start : note.start].lower())[-_PHRASE_REACH:])


def _phrase_start(text: str, at: int) -> int:
    """Where the phrase that holds offset `at` begins: after the last `,` `;` `:` or `.` before it."""
    return max(text.rfind(mark, 0, at) for mark in ",;:.") + 1


def _phrase_end(text: str, at: int) -> int:
    """Where the phrase that holds offset `at` ends: at the first `,` `;` `:` or `.` after it, or the text's end."""
    ends = [i for i in (text.find(mark, at) for mark in ",;:.") if i >= 0]
    return min(ends, default=len(text))


def _ends_of_one_of(phrase: str, words: frozenset[str], phrases: re.Pattern[str] | None) -> list[int]:
    """Where each of `words` (as written, or lower-cased) and each match of `phrases` (their entries of several words,
    matched whole: "off work", "back from") ends in a phrase."""
    ends = [m.end() for m in WORD.finditer(phrase) if m[0] in words or m[0].lower() in words]
    return ends + [m.end() for m in phrases.finditer(phrase)] if phrases is not None else ends


def _holds_one_of(phrase: str, words: frozenset[str], phrases: re.Pattern[str] | None) -> bool:
    """Whether a phrase holds one of `words` or a match of `phrases` (`_ends_of_one_of`)."""
    return bool(_ends_of_one_of(phrase, words, phrases))


def just_after_one_of(text: str, sentence: Any, note: TimeNote, words: frozenset[str]) -> bool:
    """Whether one of `words` is among the (at most three) words of its sentence just before a time expression."""
    before = WORD.findall(text[max(sentence.start_char, note.start - 40) : note.start].lower())[-3:]
    return any(w in words for w in before)


def _clause_bounds(doc: Any, sentence: Any, char: int) -> tuple[int, int]:
    """The offsets of the clause (the sentence's words between two `;`) a character offset is in."""
    text = doc_text(doc)
    start = text.rfind(";", sentence.start_char, char) + 1 or sentence.start_char
    end = text.find(";", char, sentence.end_char)
    return start, end if end >= 0 else sentence.end_char


def _clause(doc: Any, char: int) -> int:
    """How many `;` stand before a character offset in its text (a clause number)."""
    return doc_text(doc).count(";", 0, char)


class TimeAttachment:
    """The rules that give times to mentions: a part of TextReader (reader.py)."""

    lexicon: Lexicon
    _cervical: re.Pattern[str]
    _event_phrases: re.Pattern[str] | None
    _state_phrases: re.Pattern[str] | None
    _states_after: re.Pattern[str]
    _symptoms: re.Pattern[str]

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
                unplaced += self._maybe_the_symptoms(doc, sentence, note, near)
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
        return "," in doc_text(doc)[gap[0] : gap[1]], max(gap[1] - gap[0], 0), ent.start_char > note.start

    def _in_another_phrase(self, doc: Any, sentence: Any, note: TimeNote, ent: Any, notes: list[TimeNote]) -> bool:
        """Whether a time after its mention stands in a phrase of its own, after a comma or a spaced dash, with words
        that may be another thing's ("Neck pain, cough and congestion x 5 days", "neck pain, wife passed 4 wks ago",
        "Neck pain - on light duty x 3 wks"; not "neck pain, x 3 wks", "neck pain, worse x 2 wks", "neck pain - onset
        3 wks ago"): it may not be the mention's."""
        text = doc_text(doc)
        marks = list(_PHRASE_OPENING.finditer(text, ent.end_char, note.start))
        if not marks:
            return False
        start = marks[-1].end() - 1
        clause_end = _clause_bounds(doc, sentence, note.start)[1]
        end = text.find(",", note.end, clause_end)
        end = clause_end if end < 0 else end
        first = WORD.search(text, start + 1, end)
        if any(start < e.start_char < end for e in doc.ents) or (
            first is not None and first[0].lower() in self.lexicon.denial_words
        ):
            return False  # another mention's phrase, or a denial's ("neck pain, no numbness/tingling x 3 wk")
        return not self._only_symptom_words(doc, start + 1, end, notes, self.lexicon.present_words)

    def _linked(self, doc: Any, note: TimeNote) -> bool:
        """Whether a time expression may be its mention's own: no treatment, encounter or test stands in its phrase
        (since the last `,` `;` `:` or `.`; an event of several words matched whole, "off work"): "PT x 2 wks", "seen in
        urgent care 3 days ago", "on prednisone 40 mg daily x 2 mo" are those things' times, not the symptom's."""
        text = doc_text(doc)
        phrase = text[_phrase_start(text, note.start) : note.start]
        events = self.lexicon.durations.other_events
        return not _holds_one_of(phrase, events, self._event_phrases) and not (
            note.days is not None and self._event_follows(doc, note)
        )

    def _event_follows(self, doc: Any, note: TimeNote) -> bool:
        """Whether a time's phrase goes on with one of `event_links` and a treatment, visit or test ("began Tuesday
        with PT", "started 2 wks ago w/ chiro", "2/7 of PT"): the time may be that thing's, the symptoms older. (A
        date so followed stays the symptom's: "radiculopathy since 2023 with gabapentin", the care begun for it.)"""
        durations = self.lexicon.durations
        text = doc_text(doc)
        after = text[note.end : _phrase_end(text, note.end)]
        first = WORD.search(after)
        linked = first is not None and first[0].lower() in durations.event_links
        return linked and _holds_one_of(after, durations.other_events, self._event_phrases)

    def _maybe_the_symptoms(self, doc: Any, sentence: Any, note: TimeNote, near: list) -> list[TimeNote]:
        """What a treatment's, visit's or test's time may also say of the symptoms: the time itself after an indication
        it was for ("on gabapentin for neck pain x 6 months"), at least that long after a course given ("failed 6 wks
        of PT"); else nothing ("PT x 2 wks")."""
        if self._after_the_event(doc, note, near):
            return [note]
        return self._care_given(sentence, [note]) or self._before_the_event(doc, [note])

    def _before_the_event(self, doc: Any, notes: list[TimeNote]) -> list[TimeNote]:
        """The spans a treatment, visit or test follows in their phrase (`_event_follows`), as "at least that long":
        the symptoms may be older than the care given for them."""
        return [n.at_least() for n in notes if n.days is not None and self._event_follows(doc, n)]

    def _care_given(self, sentence: Any, notes: list[TimeNote]) -> list[TimeNote]:
        """The spans of a course of care already given, a word of `treatment_done_words` in their phrase ("failed 6
        wks of PT", "despite 8 wks of gabapentin"), as "at least that long": conservative care is given for the
        complaint, so the symptoms may be that old (they widen the duration, never narrow it)."""
        text, words = doc_text(sentence.doc), self.lexicon.durations.treatment_done_words
        return [n.at_least() for n in notes if n.days is not None and in_phrase_before(text, sentence, n, words)]

    def _after_the_event(self, doc: Any, note: TimeNote, near: list) -> bool:
        """Whether what a treatment, visit or test is for stands between its last word in a time's phrase and the
        time: an indication ("on gabapentin for neck pain x 6 months", "pain clinic f/u for neck pain since 2022"), a
        cervical word or a word of `treated_for` after "for" ("tramadol for neck x 1 yr", "Tylenol for this for a
        year"): the time may be the indication's as well as the event's (not "neck pain PT x 2 wks")."""
        text = doc_text(doc)
        start = _phrase_start(text, note.start)
        ends = _ends_of_one_of(text[start : note.start], self.lexicon.durations.other_events, self._event_phrases)
        if not ends:
            return False
        last = start + max(ends)
        if any(self._kind(e) == "indication" and last <= e.start_char and e.end_char <= note.start for e in near):
            return True
        words = WORD.findall(text[last : note.start].lower())
        treated = self.lexicon.durations.treated_for
        return "for" in words and (
            bool(self._cervical.search(text[last : note.start]))
            or any(w in treated for w in words[words.index("for") :])
        )

    def _another_state(self, doc: Any, note: TimeNote, ent: Any) -> bool:
        """Whether a time may belong to another state or event of the patient's (lexicon.yaml
        `durations.other_states`): one of its words between the mention and the time ("neck pain in pt who had covid 3
        weeks ago"), or just after the time ("neck pain at 5 weeks gestation")."""
        text, states = doc_text(doc), self.lexicon.durations.states_before
        if ent.end_char <= note.start and _holds_one_of(text[ent.end_char : note.start], states, self._state_phrases):
            return True
        after = text[note.end :].lstrip(" '’").lower()
        return bool(self._states_after.match(after))

    def _describes_symptom(self, doc: Any, note: TimeNote, ent: Any, notes: list[TimeNote]) -> bool:
        """A duration word is the mention's when only link words ("L", "C7", "onset") stand between it and the
        mention after it ("chronic L C7 radic", "new onset neck pain"), or when, after the mention and perhaps its
        span and link words ("neck pain x 3 days, chronic": the two disagree, both are kept; "radicular pain L arm x 6
        months, deteriorating"), it is followed by a symptom or present word or ends the clause ("acute flare", "neck
        pain, chronic", "(longstanding)"); not when it describes something else ("new to clinic", "recent PT")."""
        text = doc_text(doc)
        if note.end <= ent.start_char:
            before = text[note.end : ent.start_char]
            for other in notes:  # (another duration word between them is the mention's too: "flare of chronic radic")
                if note.end <= other.start and other.end <= ent.start_char and other.classes is not None:
                    before = before.replace(text[other.start : other.end], " ")
            between = WORD.findall(before.lower())
            return all(w in self.lexicon.durations.link_words or _LEVEL.match(w) for w in between)
        between = text[ent.end_char : note.start]
        for other in notes:  # (a span between them is the mention's time too: "x 3 days")
            if ent.end_char <= other.start and other.end <= note.start:
                between = between.replace(text[other.start : other.end], " ")
        links = self.lexicon.durations.link_words
        if any(w.lower() not in links for w in WORD.findall(between)) or any(mark in between for mark in ".;!?"):
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
        text = doc_text(doc)
        told = WORD.findall(text[note.start : note.end].lower())
        history = any(w in self.lexicon.durations.history_class_words for w in told)
        of = r"(?:of\s+)?" if history else r"of\s+"  # ("long h/o DM2")
        following = re.match(rf"\s+{of}([^,;.:()]*)", text[note.end :])
        if not following or not following.group(1).strip():
            return False
        start, end = note.end + following.start(1), note.end + following.end(1)
        if any(e.start_char < end and start < e.end_char and self._kind(e) == "indication" for e in doc.ents):
            return False
        words = WORD.findall(following.group(1).lower())[:_PHRASE_REACH]
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
        cared = self._care_given(sentence, notes) or self._before_the_event(sentence.doc, notes)
        notes = [
            n
            for n in notes
            if n.days is None or not self._event_follows(sentence.doc, n) or any(c.start == n.start for c in cared)
        ]
        if cared:  # "Failed 6 wks of PT.", "Started 2 wks ago with PT."
            yield TextMention(SYMPTOMS, Context.UNCERTAIN, *span, span, tuple(cared))
            notes = [n for n in notes if not any(c.start == n.start for c in cared)]
            if not notes:
                return
        if self._only_symptom_words(sentence.doc, sentence.start_char, sentence.end_char, notes):
            yield TextMention(SYMPTOMS, Context.AFFIRMED, *span, span, tuple(notes))
        elif self._symptoms.search(sentence.text) or any(n.increasing for n in notes):
            # (a worsening's span with no symptom word, "worse over the past week": maybe the complaint's, review 52b)
            yield TextMention(SYMPTOMS, Context.UNCERTAIN, *span, span, tuple(notes))

    def _only_symptom_words(
        self, doc: Any, start: int, end: int, notes: list[TimeNote], also: frozenset[str] = frozenset()
    ) -> bool:
        """Whether the words from `start` to `end`, but for the time expressions, are only symptom words ("sx",
        "onset"), fillers ("pt reports", "neck & R arm"), numbers and words of `also`."""
        text, pieces, at = doc_text(doc), [], start
        for note in sorted(notes, key=lambda n: n.start):
            if start <= note.start and note.end <= end:
                pieces.append(text[at : note.start])
                at = max(at, note.end)
        pieces.append(text[at:end])
        lexicon = self.lexicon
        return all(
            w in lexicon.symptom_words or w in lexicon.symptom_fillers or w in also or any(c.isdigit() for c in w)
            for w in WORD.findall(" ".join(pieces).lower())
        )
