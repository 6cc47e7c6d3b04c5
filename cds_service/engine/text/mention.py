"""A concept read in a text: where, in which context, with the time words beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cds_service.engine.text.times import TimeNote
from cds_service.knowledge.model import Context

SYMPTOMS = "symptoms"  # the concept of a sentence that names no concept but gives the symptoms' duration
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

    def time_words(self, text: str) -> tuple[str, ...]:
        """The time expressions beside the mention that say how long ("x 3 wks", "since March", "chronic"), as
        written."""
        return tuple(
            dict.fromkeys(
                " ".join(text[t.start : t.end].split()) for t in self.times if t.days or t.classes or t.year is not None
            )
        )

    def quote(self, text: str) -> str:
        """The sentence the mention stands in (cut to a short excerpt around it)."""
        start, end = self.sentence
        if end - start > QUOTE_CHARS:
            start = max(start, self.start - QUOTE_CHARS // 2)
            end = min(end, start + QUOTE_CHARS)
        return " ".join(text[start:end].split())
