"""Time expressions in clinical text ("x 3 wks", "5 days ago", "since August", "chronic"), as days before a date."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from cds_service.knowledge.model import DurationWords

AT_LEAST_DAYS = 36_500.0  # the most days of "at least N weeks": no bound a rule could reach
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # a season's first month (north)
MONTHS = {
    name: i
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


@dataclass(frozen=True)
class TimeNote:
    """One time expression: a span of days before the order, a calendar month or year, or duration words."""

    start: int  # character offsets in the text
    end: int
    days: tuple[float, float] | None = None  # fewest and most days before the order
    year: int | None = None  # a calendar date: the year (0: the latest one not after the order), month, day
    month: int | None = None
    day: int | None = None
    classes: frozenset[str] | None = None  # "chronic" -> {chronic}
    years: int = 1  # the calendar years a year spans: 10 for a decade ("in the 1990s")
    months: int = 1  # the months a month spans: 3 for a season ("since the summer")
    increasing: bool = False  # the span of a worsening ("worse x 5 days"): the pain is increasing
    either_way: bool = False  # a numeric date whose day and month may be each other ("11/03/2026")
    until: tuple[int, int] | None = None  # a window's last (month, day): "late October" to 31 October
    movable: bool = False  # the window of days a movable holiday may fall on: this year's may not have come yet
    relative: tuple[str, int] | None = None  # a month or year counted back from the order's: ("month", 0) this month
    part: tuple[int, int] | None = None  # of a relative month, its days; of a relative year, its months

    def at_least(self, increasing: bool = False) -> TimeNote:
        """The same span read as "at least that long" ("failed 6 wks of PT": the pain is at least that old); of a
        worsening ("worse x 2 wks"), the pain is also `increasing`."""
        if self.days is None:
            return self
        return replace(self, days=(self.days[0], AT_LEAST_DAYS), increasing=increasing)

    def days_before(self, order_date: date) -> tuple[int, int] | None:
        """(fewest, most) days between the expressed time and the order date; None for duration words or the future."""
        if self.days is not None:
            return int(self.days[0]), int(self.days[1])
        if self.relative is not None:
            return self._resolved(order_date).days_before(order_date)
        if self.year is None:
            return None
        found = self._dated_days(order_date, self.month, self.day)
        if not self.either_way:
            return found
        other = self._dated_days(order_date, self.day, self.month)  # ("11/03": 3 November or 11 March)
        if found is None or other is None:
            return found or other
        return min(found[0], other[0]), max(found[1], other[1])

    def _resolved(self, order_date: date) -> TimeNote:
        """A relative month or year ("the beginning of this month", "late last year") as the dates it means."""
        unit, back = self.relative or ("month", 0)
        if unit == "month":
            year, month = divmod(order_date.year * 12 + order_date.month - 1 - back, 12)
            month += 1
            first, last = self.part or (1, 31)
            last = min(last, calendar.monthrange(year, month)[1])
            return replace(self, relative=None, year=year, month=month, day=min(first, last), until=(month, last))
        year = order_date.year - back
        first, last = self.part or (1, 12)
        return replace(self, relative=None, year=year, month=first, day=1, until=(last, 31))

    def _dated_days(self, order_date: date, month: int | None, day: int | None) -> tuple[int, int] | None:
        """(fewest, most) days between a date of this note's year read with `month` and `day` and the order date."""
        year = self.year
        if month is not None and year == 0:  # "since August": the latest August not after the order
            year = order_date.year if month <= order_date.month else order_date.year - 1
            if day and month == order_date.month and day > order_date.day:
                year -= 1
            if month == 2 and day == 29:  # ("since 29/2": the latest leap year's)
                year -= next(back for back in range(4) if calendar.isleap(year - back))
        try:
            first = date(year, month or 1, day or 1)
            end_year = year + self.years - 1
            last = date(end_year, month or 12, day or calendar.monthrange(end_year, month or 12)[1])
            if self.until is not None and month is not None:  # a window: to its last day (in the next year if earlier)
                end_month, end_day = self.until
                end_year += (end_month, end_day) < (month, day or 1)
                last = date(end_year, end_month, min(end_day, calendar.monthrange(end_year, end_month)[1]))
            if month is not None and self.months > 1:  # a season: to the end of its last month
                end_year, end_month = divmod(month - 1 + self.months - 1, 12)
                end_year, end_month = year + end_year, end_month + 1
                last = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
        except ValueError:
            return None
        if first > order_date and self.year == 0:  # "since 12/1" written on 21 November: last year's
            first, last = first.replace(year=year - 1), last.replace(year=year - 1)
        elif self.movable and self.year == 0 and first <= order_date < last:
            first = first.replace(year=first.year - 1)  # ("since Easter" on 1 April: this year's, or last year's)
        if first > order_date:
            return None
        return max(0, (order_date - last).days), (order_date - first).days  # (a decade not over: from 0 days)


def find_times(text: str, words: DurationWords, offset: int = 0) -> list[TimeNote]:
    """Every time expression in `text` (a sentence), with offsets shifted by `offset`; where two overlap, the one
    found first wins (counted spans, then dates, then fixed phrases, longest first)."""
    notes: list[TimeNote] = []
    for note in _candidates(text, words, offset):
        if not any(note.start < other.end and other.start < note.end for other in notes):
            notes.append(note)
    return sorted(notes, key=lambda n: n.start)


def _candidates(text: str, words: DurationWords, offset: int) -> Iterator[TimeNote]:
    lowered = text.lower()
    for pattern in (words.ago, words.span):
        for match in pattern.finditer(text):
            if words.asked.match(lowered, match.end()):  # "Symptoms < 6 weeks? N": asked, so either
                yield TimeNote(offset + match.start(), offset + match.end(), classes=words.asked_classes)
            elif note := _counted(match, words, offset):
                yield note
    for pattern in (words.since, words.dated):
        yield from filter(None, (_dated(match, words, offset) for match in pattern.finditer(text)))
    for phrase, days, classes in words.fixed_phrases:
        if phrase in lowered:  # (most are not: no call for them)
            for start in _word_positions(lowered, phrase):
                if classes and words.asked.match(lowered, start + len(phrase)):
                    # "Acute? N", "Is this new? No", "Worsening? Y": a question's words, whatever the answer (a
                    # fifty-third review: they made the pain acute), so `asked_classes`
                    yield TimeNote(offset + start, offset + start + len(phrase), classes=words.asked_classes)
                    continue
                yield TimeNote(offset + start, offset + start + len(phrase), days=days, classes=classes)


def _counted(match: re.Match[str], words: DurationWords, offset: int) -> TimeNote | None:
    number, unit = match.group("n").lower(), match.group("unit").lower()
    low, high = words.number_words.get(number) or (float(number), float(number))
    per = words.unit_days.get(unit) or words.unit_days[unit.rstrip("s")]
    written = match.group(0).strip().lower()
    if per < 1 and low * per < 1 and not (written.startswith("x") or written.endswith("ago")):
        return None  # hours under a day, not "x 12 h" or "3 hrs ago": an episode's length ("for 2 hours each morning")
    if match.groupdict().get("half"):  # "a month and a half": about that, a quarter of a unit either way
        low, high = low + 0.25, high + 0.75
    if match.groupdict().get("to"):  # "x 4 to 8 weeks", "2-3 wks": up to the range's end
        high = max(high, float(match.group("to")))
    if any(match.groupdict().get(bound) for bound in ("more", "plus", "or_more")):  # "> 4 wks": at least that long
        high = AT_LEAST_DAYS / per
    elif match.groupdict().get("less"):  # "< 6 wks": under that (a day less), from today on; "< 36 hrs" as written
        below = 1.0 if per >= 1 else 0.0
        return TimeNote(offset + match.start(), offset + match.end(), days=(0.0, max(0.0, high * per - below)))
    elif match.groupdict().get("up_to"):  # "up to 6 wks"
        low = 0.0
    # "x 3 wks" means about 21 days: read as that point (6 weeks is then not acute, policy §4)
    return TimeNote(offset + match.start(), offset + match.end(), days=(low * per, high * per))


def _dated(match: object, words: DurationWords, offset: int) -> TimeNote | None:
    g = {k: v for k, v in match.groupdict().items() if v}  # type: ignore[attr-defined]
    start, end = offset + match.start(), offset + match.end()  # type: ignore[attr-defined]
    if g.get("holiday") or g.get("rel_unit") or g.get("season"):
        return _named_time(g, words, start, end)
    if g.get("iso_year"):  # "2026-11-10"
        month, day = int(g["iso_month"]), int(g["iso_day"])
        return TimeNote(start, end, year=int(g["iso_year"]), month=month, day=day) if 1 <= month <= 12 else None
    if g.get("dm_month"):  # "the 26th of October"
        year = int(g["dm_year"]) if g.get("dm_year") else 0
        return TimeNote(start, end, year=year, month=MONTHS[g["dm_month"][:3].lower()], day=int(g["dm_day"]))
    if g.get("month"):
        return _month_date(g, words, start, end)
    if g.get("num_month"):
        day = g.get("num_day") or g.get("dot_day")
        return _numeric_date(start, end, int(g["num_month"]), int(day) if day else None, g.get("num_year"))
    if g.get("year"):
        year = int(g["year"])
        if g.get("decade") and year % 10 == 0:  # "the 1990s"
            return TimeNote(start, end, year=year, years=10)
        return TimeNote(start, end, year=year)
    return None


def _month_date(g: dict[str, str], words: DurationWords, start: int, end: int) -> TimeNote | None:
    """A month by its name: with its day ("Nov 3rd"), a part of it ("late October"), its year ("Nov 2025", "Nov
    '25"), or the latest such month not after the order."""
    month = MONTHS[g["month"][:3].lower()]
    if g.get("month_year_short") and int(g["month_year_short"]) <= 31:
        return None  # "Nov/25", "Oct-25": the 25th or 2025, never a guess (no time: both readings stay)
    written = g.get("month_year") or g.get("month_year_short") or ""  # "2025", "'25", "Nov-98"
    year = _full_year(int(written.lstrip("'’‘"))) if written else 0
    if g.get("month_day"):
        return TimeNote(start, end, year=year, month=month, day=int(g["month_day"]))
    if part := g.get("part") or g.get("part_of"):  # "since late October", "since the end of October"
        first, last = words.month_parts[part.lower()]
        return TimeNote(start, end, year=year, month=month, day=first, until=(month, last))
    return TimeNote(start, end, year=year, month=month)


def _holiday_key(written: str) -> str:
    """A holiday's name as the lexicon lists it: lower case, no apostrophes or full stops, single spaces."""
    return " ".join(re.sub(r"[.'’]", "", written.lower()).replace("-", " ").split())


def _named_time(g: dict[str, str], words: DurationWords, start: int, end: int) -> TimeNote:
    """A holiday ("since Christmas", "since Easter 2025": its day, or the days it may fall on), a season, or a part of
    this or last month or year ("since the beginning of this month", "since late last year")."""
    if g.get("season"):  # "since the summer": its three months, the latest begun not after the order
        return TimeNote(start, end, year=0, month=SEASONS[g["season"].lower()], months=3)
    if g.get("holiday"):
        (month, day), until = words.holidays[_holiday_key(g["holiday"])]
        year = int(g["holiday_year"]) if g.get("holiday_year") else 0
        return TimeNote(start, end, year=year, month=month, day=day, until=until, movable=until is not None)
    unit, back = g["rel_unit"].lower(), int(g["rel"].lower() == "last")
    parts = words.month_parts if unit == "month" else words.year_parts
    part = g.get("rel_part") or g["rel_part_of"]
    return TimeNote(start, end, year=0, relative=(unit, back), part=parts[part.lower()])


def _numeric_date(start: int, end: int, first: int, second: int | None, year_text: str | None) -> TimeNote | None:
    """A date of numbers ("11/03/2026", "3/2025", "15.11.2026"): month first where the second number cannot be one
    ("11/25"), day first where the first cannot ("25/10"), either way round where both can ("11/03": US and UK
    writers differ), never a guess; a day or month of 0 is none ("0/11")."""
    year = _full_year(int(year_text or 0))
    if second is None:
        return TimeNote(start, end, year=year, month=first) if 1 <= first <= 12 else None
    if first == 0 or second == 0:
        return None
    if 1 <= first <= 12:
        return TimeNote(start, end, year=year, month=first, day=second, either_way=second <= 12 and second != first)
    if 1 <= second <= 12:
        return TimeNote(start, end, year=year, month=second, day=first)
    return None


def _full_year(year: int) -> int:
    """ "26" -> 2026, "98" -> 1998 (0: no year written)."""
    if 0 < year < 100:
        return year + (2000 if year < 70 else 1900)
    return year


def _word_positions(text: str, phrase: str) -> list[int]:
    """Starts of `phrase` in `text` at word boundaries."""
    found, start = [], text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            found.append(start)
        start = text.find(phrase, start + 1)
    return found
