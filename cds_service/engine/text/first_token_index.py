"""spaCy's token Matcher, run only for the patterns that can begin somewhere in the text.

spaCy's `Matcher` starts every pattern at every token: with the lexicon's ~580 token patterns a short reason text
costs ~0.15 ms, and about twice that when the caches are cold, as they are between requests. A match can only begin
at a token that matches the pattern's first token (or, while those are optional, one of the next), so
`FirstTokenIndex` keeps one small Matcher per such word and per such regular expression, and runs only those the
text can start. The matches are the full Matcher's; where two patterns of different meaning match the same tokens
(the one case where medspaCy's pruning depends on the order of matches), the answer is the full Matcher's own.
Installed only on a medspaCy matcher that prunes and whose rules have no `on_match` callback (those would see the
order, or offsets within a part of the doc), once all its rules are added (it takes no more).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Match = tuple[int, int, int]  # (match id, start token, end token), as spaCy's Matcher gives them
_WORD_ATTRIBUTES = ("LOWER", "TEXT")  # exact words, compared lower-cased (TEXT == w implies LOWER == w.lower())
_MAY_BE_ABSENT = frozenset({"?", "*"})  # a pattern token with one of these need not match where a match begins
_NOT_ON_LINES = ("(?", "\\A", "\\Z")  # a regex with these is tested word by word, not on the words' lines
_ATTRIBUTE = "_MedspacyMatcher__matcher"  # medspaCy 1.3: MedspacyMatcher.__matcher, its one token Matcher


class FirstTokenIndex:
    """A drop-in for spaCy's `Matcher.__call__(doc)` over medspaCy rules whose patterns are token lists (no rule can
    be added later).

    `meaning(rule)`: rules with equal meanings are interchangeable where they match the same tokens."""

    def __init__(self, vocab: Any, rules: Iterable[Any], full: Any, meaning: Callable[[Any], Hashable]) -> None:
        self._full = full
        self._meaning: dict[int, Hashable] = {}
        by_word: dict[str, list[Any]] = {}
        by_regex: dict[tuple[str, str], list[Any]] = {}
        anywhere: list[Any] = []
        for rule in rules:
            self._meaning[vocab.strings.add(rule._rule_id)] = meaning(rule)
            starts = _starts(rule.pattern)
            if starts is None:
                anywhere.append(rule)
                continue
            words, regexes = starts
            for word in words:
                by_word.setdefault(word, []).append(rule)
            for regex in regexes:
                by_regex.setdefault(regex, []).append(rule)

        def group(members: Sequence[Any]) -> _Group:
            reaches = [_reach(rule.pattern) for rule in members]
            return _Group(_matcher(vocab, members), None if None in reaches else max(reaches))

        self._by_word = {word: group(members) for word, members in by_word.items()}
        self._by_regex = [
            (attr, _line_regex(regex), re.compile(regex), group(members)) for (attr, regex), members in by_regex.items()
        ]
        self._text_regexes = any(attr == "TEXT" for attr, *_ in self._by_regex)
        self._anywhere = _matcher(vocab, anywhere) if anywhere else None

    @property
    def full(self) -> Any:
        """spaCy's Matcher of all the patterns (what answers a tie)."""
        return self._full

    def __call__(self, doc: Any) -> list[Match]:
        """The full Matcher's matches in `doc` (the same set; its own list where two of different meaning share their
        tokens)."""
        lowers = _places(token.lower_ for token in doc)
        found: list[Match] = self._anywhere(doc) if self._anywhere is not None else []
        for word, (first, last) in lowers.items():
            group = self._by_word.get(word)
            if group is not None:
                found += group.run(doc, first, last)
        if self._by_regex:
            found += self._regex_matches(doc, lowers)
        if len(found) < 2:
            return found
        found = list(dict.fromkeys(found))  # a pattern that may begin with two words is in both their Matchers
        meanings: dict[tuple[int, int], Hashable] = {}
        for key, start, end in found:
            meaning = self._meaning[key]
            if meanings.setdefault((start, end), meaning) != meaning:
                return self._full(doc)  # which one medspaCy keeps depends on the full Matcher's order
        return found

    def _regex_matches(self, doc: Any, lowers: dict[str, tuple[int, int]]) -> list[Match]:
        """The matches of the patterns that begin with a regex some word of the doc passes (`lowers`: each lower-cased
        word's places)."""
        places = {"LOWER": lowers, "TEXT": _places(token.text for token in doc) if self._text_regexes else {}}
        lines = {attr: "\n".join(words) for attr, words in places.items()}
        found: list[Match] = []
        for attr, on_lines, regex, group in self._by_regex:
            if on_lines is not None and on_lines.search(lines[attr]) is None:
                continue  # no word of the doc passes the pattern's first test
            passing = [place for word, place in places[attr].items() if regex.search(word)]  # spaCy's test
            if passing:
                found += group.run(doc, min(first for first, _ in passing), max(last for _, last in passing))
        return found


@dataclass(frozen=True)
class _Group:
    """The Matcher of the patterns that may begin with one word (or one regex), and the most tokens one of them can
    take (None: no bound known; it runs to the end of the doc)."""

    matcher: Any
    reach: int | None

    def run(self, doc: Any, first: int, last: int) -> list[Match]:
        """The matches beginning between token `first` and token `last` (and perhaps others, all of them real): the
        Matcher runs on the tokens from `first` as far as a match beginning at `last` can reach."""
        end = len(doc) if self.reach is None else min(len(doc), last + self.reach)
        if first == 0 and end == len(doc):
            return self.matcher(doc)
        return [(key, start + first, stop + first) for key, start, stop in self.matcher(doc[first:end])]


def _matcher(vocab: Any, rules: Iterable[Any]) -> Any:
    """A spaCy Matcher of the rules' patterns, each under its medspaCy rule id (the full Matcher's match ids)."""
    from spacy.matcher import Matcher  # heavy import, once per process

    matcher = Matcher(vocab)
    for rule in rules:
        matcher.add(rule._rule_id, [rule.pattern])
    return matcher


def _places(words: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each word's first and last token."""
    places: dict[str, tuple[int, int]] = {}
    for i, word in enumerate(words):
        first = places.get(word)
        places[word] = (i, i) if first is None else (first[0], i)
    return places


def _reach(pattern: Sequence[dict[str, Any]]) -> int | None:
    """The most tokens a pattern can match; None for a pattern with another operator than "?" (not counted)."""
    if any(token.get("OP") not in (None, "?") for token in pattern):
        return None
    return len(pattern)


def install(component: Any, vocab: Any, meaning: Callable[[Any], Hashable]) -> bool:
    """Put a FirstTokenIndex in place of the spaCy Matcher of a medspaCy component's matcher (TargetMatcher, ConText),
    once all its rules are added. False, and nothing changed (the full Matcher runs), when the matcher does not prune
    overlapping matches (the order of matches would count), when a rule has an `on_match` callback, when it is already
    indexed, or when this medspaCy keeps its Matcher elsewhere."""
    from spacy.matcher import Matcher

    owner = _owner(component)
    full = getattr(owner, _ATTRIBUTE, None)
    if not isinstance(full, Matcher) or getattr(owner, "_prune", False) is not True:
        return False
    rules = [rule for rule in owner.rules if isinstance(rule.pattern, list)]
    if any(rule.on_match is not None for rule in rules):
        return False
    setattr(owner, _ATTRIBUTE, FirstTokenIndex(vocab, rules, full, meaning))
    return True


def index_of(component: Any) -> FirstTokenIndex | None:
    """The FirstTokenIndex a medspaCy component's matcher runs through, if it has one."""
    found = getattr(_owner(component), _ATTRIBUTE, None)
    return found if isinstance(found, FirstTokenIndex) else None


def indexed(component: Any) -> bool:
    """Whether a medspaCy component's matcher runs through a FirstTokenIndex."""
    return index_of(component) is not None


def _owner(component: Any) -> Any:
    """The component's MedspacyMatcher, if it has one."""
    from medspacy.common.medspacy_matcher import MedspacyMatcher

    return next((v for v in vars(component).values() if isinstance(v, MedspacyMatcher)), None)


def _starts(pattern: Sequence[dict[str, Any]]) -> tuple[set[str], set[tuple[str, str]]] | None:
    """The lower-cased words and the (attribute, regex) tests of which a token a match begins with must pass one;
    None when that cannot be narrowed (a wildcard, a number test, a negated token)."""
    words: set[str] = set()
    regexes: set[tuple[str, str]] = set()
    for token in pattern:
        keys = _token_keys(token)
        if keys is None:
            return None
        words |= keys[0]
        regexes |= keys[1]
        if token.get("OP") not in _MAY_BE_ABSENT:
            break
    return words, regexes


def _token_keys(token: dict[str, Any]) -> tuple[set[str], set[tuple[str, str]]] | None:
    """The words or the regex one of which a token must pass to match this pattern token (all of its tests must pass,
    so one narrows it): an exact word, else a word list, else a regex; None when none of those is there."""
    if token.get("OP") not in (None, "+", *_MAY_BE_ABSENT):
        return None  # "!" and the counted forms are not narrowed
    for attr in _WORD_ATTRIBUTES:
        if isinstance(token.get(attr), str):
            return {token[attr].lower()}, set()
    for attr in _WORD_ATTRIBUTES:
        value = token.get(attr)
        if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(w, str) for w in value["IN"]):
            return {w.lower() for w in value["IN"]}, set()
    for attr in _WORD_ATTRIBUTES:
        value = token.get(attr)
        if isinstance(value, dict) and isinstance(value.get("REGEX"), str):
            return set(), {(attr, value["REGEX"])}
    return None


def _line_regex(regex: str) -> re.Pattern[str] | None:
    """The regex for a search over the words one per line, when a match in one word is a match there too: no
    look-around, no inline flag (groups "(?:" are fine), no \\A or \\Z (a line's ends then act as the word's)."""
    if any(mark in regex.replace("(?:", "(") for mark in _NOT_ON_LINES):
        return None
    return re.compile(regex, re.MULTILINE)
