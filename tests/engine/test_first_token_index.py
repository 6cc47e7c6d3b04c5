"""The text reader's token patterns run through a FirstTokenIndex: only the patterns that can begin somewhere in the
text run, and that changes no match, no ConText cue and no mention (corpus texts and random texts made of the
lexicon's own words), and where two patterns of different meaning match the same tokens the full Matcher answers."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest
import spacy
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.util import prune_overlapping_matches
from medspacy.ner import TargetRule
from spacy.matcher import Matcher

from cds_service.engine.text import first_token_index, pipeline_build, target_entities
from cds_service.engine.text import reader as reader_module
from cds_service.engine.text.first_token_index import FirstTokenIndex, _line_regex, _owner, _reach, _starts
from tests.engine.test_text_corpus import CORPORA
from tests.engine.test_text_pipeline import _readings
from tests.text_cases import load_cases

COMPONENTS = (target_entities.FACTORY, "medspacy_context")


@pytest.fixture(scope="module")
def pipelines(knowledge):
    """The reader's pipeline (indexed) and the same pipeline with spaCy's full Matchers."""
    indexed = pipeline_build.build_pipeline(knowledge.lexicon)
    full = pipeline_build.build_pipeline(knowledge.lexicon)
    for name in COMPONENTS:
        owner = _owner(full.get_pipe(name))
        owner._MedspacyMatcher__matcher = first_token_index.index_of(full.get_pipe(name)).full
    return indexed, full


def _corpus_texts():
    cases = [case for name in CORPORA for case in load_cases(name)]
    texts = [t for case in cases for t in (case.get("reason"), case.get("note")) if t]
    return texts + [p for case in cases for p in case.get("problems") or ()]


def _lexicon_words(nlp) -> list[str]:
    """Every word a token pattern names, the corpus's words, and some punctuation and levels."""
    words: set[str] = set()
    for name in COMPONENTS:
        for rule in _owner(nlp.get_pipe(name)).rules:
            for token in rule.pattern if isinstance(rule.pattern, list) else ():
                for value in token.values():
                    if isinstance(value, str) and value not in ("?", "*", "+"):
                        words.add(value)
                    elif isinstance(value, dict):
                        words.update(w for w in value.get("IN", ()) if isinstance(w, str))
    for text in _corpus_texts():
        words.update(re.findall(r"\S+", text))
    return sorted(words | {",", "-", "?", "??", ";", ".", "c5", "6", "C6-7", "3", "4/5", "INR 3.1", "\n"})


def _random_texts(words: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(count)]


def _pattern_texts(nlp, count: int, seed: int) -> list[str]:
    """Texts made to match the token patterns (a word for each pattern token, optional ones taken or not, between
    random words), a third of them with one word changed."""
    rng = random.Random(seed)
    words = _lexicon_words(nlp)
    patterns = [
        rule.pattern
        for name in COMPONENTS
        for rule in _owner(nlp.get_pipe(name)).rules
        if isinstance(rule.pattern, list)
    ]
    texts = []
    for _ in range(count):
        made = [rng.choice(words) for _ in range(rng.randint(0, 3))]
        for token in rng.choice(patterns):
            repeat = {"?": rng.randint(0, 1), "*": rng.randint(0, 2), "+": rng.randint(1, 2)}.get(token.get("OP"), 1)
            made += [_word_for(token, words, rng) for _ in range(repeat)]
        made += [rng.choice(words) for _ in range(rng.randint(0, 3))]
        if made and rng.random() < 1 / 3:
            made[rng.randrange(len(made))] = rng.choice(words)
        texts.append(" ".join(made))
    return texts


def _word_for(token: dict, words: list[str], rng: random.Random) -> str:
    """A word that passes a pattern token's test (most of the time: a random word where none is found)."""
    for attr in ("LOWER", "TEXT", "NORM"):
        value = token.get(attr)
        if isinstance(value, str):
            return value.upper() if attr == "LOWER" and rng.random() < 0.2 else value
        if isinstance(value, dict) and "IN" in value:
            return rng.choice(value["IN"])
        if isinstance(value, dict) and "REGEX" in value:
            regex = re.compile(value["REGEX"])
            fitting = [w for w in words if regex.search(w.lower() if attr == "LOWER" else w)]
            if fitting:
                return rng.choice(fitting)
    if token.get("LIKE_NUM"):
        return rng.choice(["3", "twelve", "4.5"])
    return rng.choice(words)


def test_the_readers_matchers_are_indexed(knowledge):
    nlp = pipeline_build.build_pipeline(knowledge.lexicon)
    assert all(first_token_index.indexed(nlp.get_pipe(name)) for name in COMPONENTS)


@pytest.mark.parametrize("name", COMPONENTS)
def test_the_index_finds_the_full_matchers_matches_in_corpus_and_random_texts(pipelines, name):
    indexed, _ = pipelines
    index = first_token_index.index_of(indexed.get_pipe(name))
    texts = _corpus_texts() + _random_texts(_lexicon_words(indexed), 1000, seed=16)
    texts += _pattern_texts(indexed, 3000, seed=16)
    found = 0
    for text in texts:
        doc = indexed.make_doc(text)
        expected = index.full(doc)
        assert sorted(index(doc)) == sorted(expected), text
        found += len(expected)
    assert found > 2000  # the texts make the patterns match


def test_the_indexed_pipeline_reads_every_text_as_the_full_one(pipelines):
    indexed, full = pipelines
    texts = _corpus_texts() + _random_texts(_lexicon_words(indexed), 500, seed=3) + _pattern_texts(indexed, 1500, 3)
    readings = _readings(indexed, texts)
    assert readings == _readings(full, texts)
    assert sum(len(ents) for ents, _, _ in readings) > 2000
    assert sum(len(cues) for _, cues, _ in readings) > 500


def test_the_indexed_reader_gives_the_same_mentions(knowledge, monkeypatch):
    texts = [(t, False) for t in _corpus_texts()] + [(t, True) for t in _corpus_texts()[:300]]
    indexed = reader_module.TextReader(knowledge)
    assert first_token_index.indexed(indexed.pipeline.current.get_pipe(target_entities.FACTORY))
    monkeypatch.setattr(pipeline_build, "_PIPELINES", {})
    monkeypatch.setattr(first_token_index, "install", lambda *args, **kwargs: False)
    full = reader_module.TextReader(knowledge)
    assert not first_token_index.indexed(full.pipeline.current.get_pipe(target_entities.FACTORY))
    for text, problem_list in texts:
        assert indexed.read(text, problem_list) == full.read(text, problem_list), text


# -- where a match can begin --------------------------------------------------------------------------------------


def test_a_first_word_or_word_list_is_where_a_match_begins():
    assert _starts([{"LOWER": "neck"}, {"LOWER": "pain"}]) == ({"neck"}, set())
    assert _starts([{"TEXT": "MRI"}]) == ({"mri"}, set())
    assert _starts([{"LOWER": {"IN": ["L", "r"]}, "OP": "+"}]) == ({"l", "r"}, set())
    assert _starts([{"LOWER": "mets", "TEXT": {"NOT_IN": ["METs"]}}]) == ({"mets"}, set())
    assert _starts([{"LOWER": {"REGEX": "^c[1-7]$"}}, {"LOWER": "disc"}]) == (set(), {("LOWER", "^c[1-7]$")})


def test_an_optional_first_token_adds_the_next_ones_words():
    pattern = [{"LOWER": {"IN": ["left", "l"]}, "OP": "?"}, {"LOWER": {"REGEX": "^arm"}, "OP": "*"}, {"LOWER": "pain"}]
    assert _starts(pattern) == ({"left", "l", "pain"}, {("LOWER", "^arm")})
    assert _starts([{"LOWER": "a", "OP": "?"}, {"LOWER": "b", "OP": "*"}]) == ({"a", "b"}, set())


@pytest.mark.parametrize(
    "pattern",
    [
        [{}, {"LOWER": "pain"}],
        [{"LIKE_NUM": True}],
        [{"LOWER": "no", "OP": "!"}, {"LOWER": "pain"}],
        [{"LOWER": {"NOT_IN": ["no"]}}],
        [{"LOWER": "left", "OP": "?"}, {"OP": "?"}, {"LOWER": "arm"}],
        [{"NORM": "?after"}],
    ],
)
def test_a_first_token_that_cannot_be_narrowed_runs_everywhere(pattern):
    assert _starts(pattern) is None


def test_a_patterns_reach_is_counted_only_without_repeats():
    assert _reach([{"LOWER": "neck"}, {"LOWER": "pain", "OP": "?"}]) == 2
    for op in ("*", "+", "!"):
        assert _reach([{"LOWER": "neck"}, {"LOWER": "pain", "OP": op}]) is None


def test_each_place_of_a_first_word_is_matched_from_its_first_to_its_last():
    rules = [
        TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}, {"LOWER": "x", "OP": "?"}]),
        TargetRule("neck ... arm", "B", pattern=[{"LOWER": "neck"}, {"OP": "*"}, {"LOWER": "arm"}]),
        TargetRule("stiff", "C", pattern=[{"LOWER": {"REGEX": "^stiff"}}, {"LOWER": "neck", "OP": "+"}]),
    ]
    nlp, index, full, calls, _ = _index_of(rules, lambda rule: rule.category)
    for text in (
        "neck pain, neck stiff, neck pain x",
        "stiff neck neck pain and stiffness neck",
        "neck pain to arm then neck",
        "pain neck",
    ):
        doc = nlp.make_doc(text)
        assert sorted(index(doc)) == sorted(full(doc)), text
    assert len(full(nlp.make_doc("neck pain, neck stiff, neck pain x"))) == 3
    assert calls == []


def test_a_regex_is_tested_on_the_words_lines_only_when_that_cannot_miss():
    assert _line_regex("^c[1-7]$") is not None
    assert _line_regex("^(?:radiat|shoot)") is not None
    for regex in ("(?<![a-z])c5", "c5(?=x)", "(?i)c5", "\\Ac5", "c5\\Z"):
        assert _line_regex(regex) is None


def test_a_word_that_matches_a_regex_is_found_on_the_words_lines(knowledge):
    nlp = pipeline_build.build_pipeline(knowledge.lexicon)
    words = sorted({w.lower() for w in _lexicon_words(nlp)})
    regexes = [regex for _, _, regex, _ in first_token_index.index_of(nlp.get_pipe(target_entities.FACTORY))._by_regex]
    assert len(regexes) >= 10
    rng = random.Random(5)
    hits = 0
    for regex in regexes:
        on_lines = _line_regex(regex.pattern)
        for _ in range(300):
            some = rng.sample(words, 8)
            if any(regex.search(w) for w in some):
                hits += 1
                assert on_lines is None or on_lines.search("\n".join(some)), (regex.pattern, some)
    assert hits > 100


def test_anchors_hold_at_each_word_on_the_lines():
    on_lines = _line_regex("^c[1-7]$")
    assert on_lines.search("\n".join(["xc5", "c5x", "pain"])) is None
    assert on_lines.search("\n".join(["pain", "c5", "arm"]))


# -- ties: two patterns on the same tokens ------------------------------------------------------------------------


def _index_of(rules, meaning):
    nlp = spacy.blank("en")
    owner = MedspacyMatcher(nlp)
    owner.add(rules)
    component = SimpleNamespace(matcher=owner)
    full = owner._MedspacyMatcher__matcher
    calls = []

    class Spy:
        def __call__(self, doc):
            calls.append(doc)
            return full(doc)

        add = full.add

    owner._MedspacyMatcher__matcher = Spy()
    index = FirstTokenIndex(nlp.vocab, owner.rules, owner._MedspacyMatcher__matcher, meaning)
    return nlp, index, full, calls, component


def test_two_rules_of_different_meaning_on_the_same_words_get_the_full_matchers_answer():
    rules = [  # the full Matcher gives B's match first; the index would find A's (a word) before B's (a regex)
        TargetRule("neck pain", "B", pattern=[{"LOWER": {"REGEX": "^ne"}}, {"LOWER": {"IN": ["pain", "ache"]}}]),
        TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}]),
    ]
    nlp, index, full, calls, _ = _index_of(rules, lambda rule: rule.category)
    doc = nlp.make_doc("new neck pain")
    assert index(doc) == full(doc)  # the same list, in the full Matcher's order
    (kept,) = prune_overlapping_matches(index(doc))
    assert nlp.vocab.strings[kept[0]].startswith("B_")  # what medspaCy keeps without the index
    assert len(calls) == 2
    assert index(nlp.make_doc("neck ache")) == full(nlp.make_doc("neck ache"))
    assert len(calls) == 2  # one match only: no tie


def test_two_rules_of_the_same_meaning_on_the_same_words_need_no_full_run():
    rules = [
        TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}]),
        TargetRule("neck pain", "A", pattern=[{"LOWER": {"REGEX": "^ne"}}, {"LOWER": "pain"}]),
    ]
    nlp, index, full, calls, _ = _index_of(rules, lambda rule: rule.category)
    doc = nlp.make_doc("neck pain")
    assert sorted(index(doc)) == sorted(full(doc)) and len(full(doc)) == 2
    assert calls == []


def test_a_bounded_group_runs_as_far_as_a_match_from_its_words_last_place_reaches():
    rules = [
        TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain", "OP": "?"}, {"LOWER": "arm"}]),
        TargetRule("neck", "B", pattern=[{"LOWER": "neck"}, {"LOWER": "stiff"}]),
    ]
    nlp, index, full, _, _ = _index_of(rules, lambda rule: rule.category)
    assert index._by_word["neck"].reach == 3
    for text in ("neck stiff and neck pain arm", "neck arm neck stiff", "a neck pain arm", "neck pain"):
        doc = nlp.make_doc(text)
        assert sorted(index(doc)) == sorted(full(doc)), text
    assert len(full(nlp.make_doc("neck stiff and neck pain arm"))) == 2


def test_a_regex_on_the_text_and_one_tested_word_by_word():
    rules = [
        TargetRule("MRI", "A", pattern=[{"TEXT": {"REGEX": "^MR[IA]$"}}, {"LOWER": "neck"}]),
        TargetRule("c5", "B", pattern=[{"LOWER": {"REGEX": "(?<![a-z])c[1-7]$"}}, {"LOWER": "radiculopathy"}]),
    ]
    nlp, index, full, _, _ = _index_of(rules, lambda rule: rule.category)
    assert [(attr, on_lines is None) for attr, on_lines, *_ in index._by_regex] == [("TEXT", False), ("LOWER", True)]
    for text in ("MRI neck", "mri neck", "MRA neck and C5 radiculopathy", "xc5 radiculopathy", "MRI", "c5"):
        doc = nlp.make_doc(text)
        assert sorted(index(doc)) == sorted(full(doc)), text
    assert len(full(nlp.make_doc("MRA neck and C5 radiculopathy"))) == 2


def test_a_pattern_in_two_words_matchers_is_found_once():
    rules = [TargetRule("l arm", "A", pattern=[{"LOWER": "left", "OP": "?"}, {"LOWER": "arm"}])]
    nlp, index, full, calls, _ = _index_of(rules, lambda rule: rule.category)
    doc = nlp.make_doc("left arm and arm")
    assert sorted(index(doc)) == sorted(full(doc))
    assert len(index(doc)) == 3 and calls == []


def test_install_replaces_only_a_spacy_matcher():
    nlp = spacy.blank("en")
    owner = MedspacyMatcher(nlp)
    owner.add([TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}])])
    component = SimpleNamespace(matcher=owner)
    assert first_token_index.install(component, nlp.vocab, meaning=id)
    assert first_token_index.indexed(component)
    assert not first_token_index.install(component, nlp.vocab, meaning=id)  # already indexed: left as it is
    assert not first_token_index.install(SimpleNamespace(other=Matcher(nlp.vocab)), nlp.vocab, meaning=id)


def test_install_leaves_a_matcher_that_does_not_prune_or_has_callbacks():
    nlp = spacy.blank("en")
    unpruned = MedspacyMatcher(nlp, prune=False)  # the order of matches would reach the doc
    unpruned.add([TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}])])
    assert not first_token_index.install(SimpleNamespace(matcher=unpruned), nlp.vocab, meaning=id)
    called = MedspacyMatcher(nlp)  # a callback would see offsets within a part of the doc
    called.add([TargetRule("neck pain", "A", pattern=[{"LOWER": "neck"}], on_match=lambda *args: None)])
    assert not first_token_index.install(SimpleNamespace(matcher=called), nlp.vocab, meaning=id)
    assert not first_token_index.indexed(SimpleNamespace(matcher=unpruned))
