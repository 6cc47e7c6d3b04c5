"""The reader's target matcher sets its matches as the doc's entities in one step (medspaCy's TargetMatcher adds them
one by one, each a rewrite of the whole doc's annotation), and that changes no entity, no ConText cue and no mention:
corpus texts, long notes read in parts and random texts, compared with medspaCy's own TargetMatcher."""

from __future__ import annotations

import pytest
import spacy
from medspacy.ner import TargetRule
from spacy.tokens import Doc, Span

from cds_service.engine.text import pipeline_build, target_entities
from cds_service.engine.text import reader as reader_module
from cds_service.engine.text.pipeline_renewal import RenewingPipeline
from cds_service.engine.text.target_entities import EntitiesAtOnce
from tests.engine.test_first_token_index import _corpus_texts, _lexicon_words, _pattern_texts, _random_texts
from tests.engine.test_text_pipeline import _mentions, _readings


class CountingDoc(Doc):
    """A Doc that counts how often its entities are set."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ents_set = 0

    @property
    def ents(self):
        return Doc.ents.__get__(self)

    @ents.setter
    def ents(self, value) -> None:
        self.ents_set += 1
        Doc.ents.__set__(self, value)


@pytest.fixture(scope="module")
def pipelines(knowledge):
    """The reader's pipeline, and the same pipeline with medspaCy's own TargetMatcher in its place."""
    ours = pipeline_build.build_pipeline(knowledge.lexicon)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(target_entities, "FACTORY", "medspacy_target_matcher")
        medspacys = pipeline_build.build_pipeline(knowledge.lexicon)
    assert type(medspacys.get_pipe("medspacy_target_matcher")) is not EntitiesAtOnce
    return ours, medspacys


def _long_notes(count: int = 12, size: int = 1_000) -> list[str]:
    """Notes of corpus sentences, each about `size` characters (a part of a long text)."""
    sentences = " ".join(t if t.endswith(".") else t + "." for t in _corpus_texts())
    return [sentences[i * size : (i + 1) * size] for i in range(count)]


def _targets(nlp, texts):
    """Each entity's place, label and the rule behind it (several rules share a literal: their patterns differ)."""
    return [[(e.start, e.end, e.label_, _rule(e._.target_rule)) for e in nlp(text).ents] for text in texts]


def _rule(rule) -> tuple:
    return rule.literal, rule.category, repr(rule.pattern), repr(rule.attributes)


def test_the_reader_uses_the_one_step_matcher(knowledge):
    nlp = pipeline_build.build_pipeline(knowledge.lexicon)
    assert isinstance(nlp.get_pipe(target_entities.FACTORY), EntitiesAtOnce)
    assert nlp.pipe_names[:2] == ["sentencizer", target_entities.FACTORY]


def test_the_entities_and_cues_are_medspacys_on_corpus_long_and_random_texts(pipelines):
    ours, medspacys = pipelines
    texts = _corpus_texts() + _long_notes() + _random_texts(_lexicon_words(ours), 500, seed=7)
    texts += _pattern_texts(ours, 1000, seed=7)
    readings = _readings(ours, texts)
    assert readings == _readings(medspacys, texts)
    assert _targets(ours, texts) == _targets(medspacys, texts)  # the rule behind each entity too
    assert sum(len(ents) for ents, _, _ in readings) > 2000
    assert max(len(ents) for ents, _, _ in readings) >= 30  # long parts with many entities are covered


def test_the_reader_gives_medspacys_mentions_on_long_notes(knowledge, pipelines):
    _, medspacys = pipelines
    notes = [(" ".join(_long_notes(18, 1_000)), False), (" ".join(_long_notes(8, 600)), True)]
    ours = reader_module.TextReader(knowledge)
    theirs = reader_module.TextReader(knowledge, pipeline=RenewingPipeline(lambda: medspacys, limit=10**9))
    found = _mentions(ours, notes)
    assert found == _mentions(theirs, notes)
    assert sum(len(m) for m in found) > 200


def test_the_matches_are_set_in_one_step(knowledge, pipelines):
    ours, medspacys = pipelines
    text = _long_notes(1)[0]
    doc = CountingDoc(ours.vocab, words=[t.text for t in ours.make_doc(text)])
    ours.get_pipe(target_entities.FACTORY)(doc)
    assert doc.ents_set == 1 and len(doc.ents) > 20
    theirs = CountingDoc(medspacys.vocab, words=[t.text for t in medspacys.make_doc(text)])
    medspacys.get_pipe("medspacy_target_matcher")(theirs)
    assert theirs.ents_set == len(theirs.ents)  # medspaCy's: one set per entity


def test_no_match_leaves_the_doc_as_it_was(pipelines):
    ours, _ = pipelines
    doc = CountingDoc(ours.vocab, words=["routine", "follow", "up"])
    assert ours.get_pipe(target_entities.FACTORY)(doc) is doc
    assert doc.ents_set == 0 and doc.ents == ()


def _small_matchers():
    """Our matcher and medspaCy's, with the same three rules, on one blank pipeline."""
    nlp = spacy.blank("en")
    rules = [
        TargetRule("neck pain", "PAIN", pattern=[{"LOWER": "neck"}, {"LOWER": "pain"}]),
        TargetRule("fever", "FEVER"),
        TargetRule("trauma", "TRAUMA"),
    ]
    ours, theirs = EntitiesAtOnce(nlp), nlp.add_pipe("medspacy_target_matcher")
    ours.add(rules)
    theirs.add(rules)
    return nlp, ours, theirs


def test_a_match_over_an_entity_already_there_is_skipped_and_warned_of_as_medspacy_does():
    nlp, ours, theirs = _small_matchers()
    text = "neck pain after trauma, no fever"
    found = []
    for matcher in (ours, theirs):
        doc = CountingDoc(nlp.vocab, words=[t.text for t in nlp.make_doc(text)])
        doc.ents = (Span(doc, 1, 2, label="EARLIER"),)  # "pain": an entity set by an earlier step
        with pytest.warns(RuntimeWarning, match='"neck pain"" conflicts with a pre-existing entity') as warned:
            matcher(doc)
        assert len(warned) == 1
        found.append([(e.start, e.end, e.label_) for e in doc.ents])
    assert found[0] == found[1] == [(1, 2, "EARLIER"), (3, 4, "TRAUMA"), (6, 7, "FEVER")]


def test_entities_already_there_are_kept_beside_the_matches():
    nlp, ours, theirs = _small_matchers()
    found = []
    for matcher in (ours, theirs):
        doc = CountingDoc(nlp.vocab, words=[t.text for t in nlp.make_doc("seen today: neck pain, fever")])
        doc.ents = (Span(doc, 1, 2, label="DATE"),)
        matcher(doc)
        found.append(([(e.start, e.end, e.label_) for e in doc.ents], doc.ents_set))
    assert found[0][0] == found[1][0] == [(1, 2, "DATE"), (3, 5, "PAIN"), (6, 7, "FEVER")]
    assert found[0][1] == 2  # the entity already there, then the matches at once


def test_its_result_is_always_the_docs_entities():
    _, ours, _ = _small_matchers()
    with pytest.raises(AttributeError, match="always sets its matches"):
        ours.result_type = "group"
    assert ours.result_type is None
