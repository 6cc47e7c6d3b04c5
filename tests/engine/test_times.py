"""Fixed time phrases ("since last year", "sub-acute", "acute on chronic"): where two overlap, the relative phrases
win over the class words and a longer phrase over a shorter one inside it."""

from __future__ import annotations

import pytest

from cds_service.engine.text.times import find_times


@pytest.fixture(scope="module")
def durations(knowledge):
    return knowledge.lexicon.durations


def notes(durations, text):
    return [(text[n.start : n.end], n.days, n.classes) for n in find_times(text, durations)]


def test_the_phrases_are_tried_relative_first_each_longest_first(durations):
    phrases = durations.fixed_phrases
    relative = [p for p, days, _ in phrases if days is not None]
    classes = [p for p, days, _ in phrases if days is None]
    assert phrases[: len(relative)] == tuple((p, durations.relative[p], None) for p in relative)
    assert phrases[len(relative) :] == tuple((p, None, durations.class_words[p]) for p in classes)
    assert sorted(relative) == sorted(durations.relative) and sorted(classes) == sorted(durations.class_words)
    for group in (relative, classes):
        assert [len(p) for p in group] == sorted((len(p) for p in group), reverse=True)
    assert durations.fixed_phrases is phrases  # built once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("neck pain since last year", [("since last year", (325.0, 730.0), None)]),  # not "last year" (180-730)
        ("neck pain last year", [("last year", (180.0, 730.0), None)]),
        ("sub-acute neck pain", [("sub-acute", (42.0, 84.0), None)]),  # a relative phrase over the class "acute"
        ("neck pain for years", [("for years", (365.0, 36500.0), None)]),  # relative and class: relative first
        ("acute on chronic neck pain", [("acute on chronic", None, frozenset({"increasing", "chronic"}))]),
        ("recent onset neck pain", [("recent onset", None, frozenset({"acute"}))]),
        ("acute neck pain, chronic LBP", [("acute", None, {"acute"}), ("chronic", None, {"chronic"})]),
        ("subacute neck pain", [("subacute", (42.0, 84.0), None)]),  # "acute" inside a word is not a phrase
        ("Neck pain since YESTERDAY", [("since YESTERDAY", (1.0, 1.0), None)]),
    ],
)
def test_overlapping_phrases_the_longer_and_the_relative_win(durations, text, expected):
    assert notes(durations, text) == expected
