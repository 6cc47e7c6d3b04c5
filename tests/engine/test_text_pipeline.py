"""The text reader's pipeline: token patterns that start with a word list are split into one pattern per word (spaCy
checks an exact word in C, a word list in Python), and that split changes no match and no ConText cue."""

from __future__ import annotations

import dataclasses

import pytest

from cds_service.engine.text import pipeline_build, target_entities, tokens
from cds_service.engine.text import reader as reader_module
from cds_service.engine.text.pipeline_build import first_word_alternatives
from cds_service.knowledge.model import Context
from tests.engine.test_text_corpus import CORPORA
from tests.text_cases import load_cases


def test_a_first_token_word_list_becomes_one_pattern_per_word():
    pattern = [{"LOWER": {"IN": ["neck", "cervical", "neck"]}}, {"LOWER": {"IN": ["pain", "ache"]}, "OP": "?"}]
    assert first_word_alternatives(pattern) == [
        [{"LOWER": "neck"}, {"LOWER": {"IN": ["pain", "ache"]}, "OP": "?"}],
        [{"LOWER": "cervical"}, {"LOWER": {"IN": ["pain", "ache"]}, "OP": "?"}],
    ]


def test_a_text_word_list_is_split_too():
    assert first_word_alternatives([{"TEXT": {"IN": ["?", "??"]}}]) == [[{"TEXT": "?"}], [{"TEXT": "??"}]]


@pytest.mark.parametrize(
    "first",
    [
        {"LOWER": {"IN": ["may", "might"]}, "OP": "?"},  # optional: splitting would drop the empty match
        {"LOWER": {"REGEX": "^c[1-7]$"}},
        {"LOWER": {"NOT_IN": ["no"]}},
        {"TEXT": {"IN": ["?"]}, "NORM": {"NOT_IN": ["?after"]}},
        {"LOWER": "neck"},
        {"LIKE_NUM": True},
    ],
)
def test_any_other_first_token_is_kept_as_it_is(first):
    pattern = [first, {"LOWER": "pain"}]
    assert first_word_alternatives(pattern) == [pattern]


def test_the_split_returns_copies_the_lexicon_is_not_changed():
    pattern = ({"LOWER": {"IN": ["neck"]}},)
    first_word_alternatives(pattern)[0][0]["LOWER"] = "changed"
    assert pattern == ({"LOWER": {"IN": ["neck"]}},)


def _readings(nlp, texts):
    """Every text's matched concepts and ConText cues with their spans."""
    out = []
    for text in texts:
        doc = nlp(text)
        ents = [(e.start, e.end, e.label_) for e in doc.ents]
        graph = doc._.context_graph
        cues = sorted((m.modifier_span, m.category, m.scope_span) for m in graph.modifiers)
        edges = sorted((e.start, e.end, m.modifier_span, m.category) for e, m in graph.edges)
        out.append((ents, cues, edges))
    return out


def test_the_split_pipeline_reads_every_corpus_text_as_the_unsplit_one(knowledge, monkeypatch):
    texts = [t for name in CORPORA for case in load_cases(name) for t in (case.get("reason"), case.get("note")) if t]
    texts += [p for name in CORPORA for case in load_cases(name) for p in case.get("problems") or ()]
    assert len(texts) > 1000
    split = pipeline_build.build_pipeline(knowledge.lexicon)
    monkeypatch.setattr(pipeline_build, "first_word_alternatives", lambda pattern: [[dict(t) for t in pattern]])
    monkeypatch.setattr(pipeline_build, "_rule_variants", lambda rule: [rule])
    unsplit = pipeline_build.build_pipeline(knowledge.lexicon)
    assert len(split.get_pipe(target_entities.FACTORY).rules) > len(unsplit.get_pipe(target_entities.FACTORY).rules)
    assert _readings(split, texts) == _readings(unsplit, texts)


def test_a_cue_word_with_two_categories_is_refused_at_start_up(knowledge):
    # ConText's default cues read "resolved" as a negation; the lexicon drops that default for its own (history).
    lexicon = dataclasses.replace(
        knowledge.lexicon, dropped_default_cues=knowledge.lexicon.dropped_default_cues - {"resolved"}
    )
    with pytest.raises(ValueError, match="'resolved' is both"):
        pipeline_build.build_pipeline(lexicon)


# -- long texts: read in parts of whole sentences, and a bound on what is read --------------------------------


def _mentions(reader, texts):
    return [[(m.concept, m.context, m.start, m.end, m.sentence, m.times) for m in reader.read(t, p)] for t, p in texts]


def test_reading_in_parts_of_whole_sentences_reads_every_corpus_text_as_a_whole(knowledge, monkeypatch):
    cases = [case for name in CORPORA for case in load_cases(name)]
    texts = [(t, False) for case in cases for t in (case.get("reason"), case.get("note")) if t]
    texts += [(p, True) for case in cases for p in case.get("problems") or ()]
    whole = _mentions(reader_module.TextReader(knowledge), texts)
    monkeypatch.setattr(reader_module, "PART_CHARS", 1)  # every sentence a part of its own
    parts = reader_module.TextReader(knowledge)
    several = [t for t, _ in texts if len(list(parts._parts(parts.pipeline.current, t))) > 1]
    assert len(several) >= 50  # the comparison covers texts of several sentences
    assert _mentions(parts, texts) == whole


def test_a_long_note_is_read_to_its_end_with_the_right_offsets(knowledge):
    filler = "Routine follow-up, medications reviewed. " * 200
    text = filler + "New neck pain x 3 wks. No fever."
    (pain,) = [m for m in reader_module.TextReader(knowledge).read(text) if m.concept == "neck-pain"]
    assert text[pain.start : pain.end].lower() == "neck pain"
    assert pain.quote(text) == "New neck pain x 3 wks."


def test_a_text_longer_than_the_reader_reads_is_refused(knowledge):
    reader = reader_module.TextReader(knowledge)
    with pytest.raises(reader_module.TextTooLong):
        reader.read("neck pain. " * (reader_module.MAX_TEXT_CHARS // 11 + 1))
    with pytest.raises(reader_module.TextTooLong):
        reader.read("warfarin " * (reader_module.MAX_SENTENCE_CHARS // 9 + 1) + ". neck pain")


def test_a_docs_text_is_joined_once_and_is_the_text_read(knowledge):
    nlp = pipeline_build.build_pipeline(knowledge.lexicon)
    text = "Neck pain x 3 wks;  no trauma?? \n radiating to L arm."
    doc = nlp.make_doc(text)
    first = tokens.doc_text(doc)
    assert first == text == doc.text
    assert tokens.doc_text(doc) is first  # kept with the doc, not joined again


def test_context_runs_only_where_there_is_a_mention_for_a_cue_to_modify(knowledge, monkeypatch):
    from medspacy.context import ConText

    called = []
    run = ConText.__call__
    monkeypatch.setattr(ConText, "__call__", lambda self, doc: called.append(doc.text) or run(self, doc))
    reader = reader_module.TextReader(knowledge)
    assert reader.read("Essential hypertension, no recent change ??") == ()
    assert called == []  # no mention: ConText's cues would modify nothing
    (fever,) = reader.read("no T 38.6 today ??")  # a value written in words is a mention too
    (pain,) = reader.read("no neck pain")
    assert called == ["no T 38.6 today ??", "no neck pain"]
    assert fever.context is pain.context is Context.NEGATED


@pytest.mark.parametrize(
    "words",
    [
        "Temp\n39.4 at home. Neck pain x 3 wks.",  # a value on the next line
        "Completed PT\nneck pain x 3 wks.",  # a duration beside a treatment on the line before
        "Known malignancy -\nno. Neck pain x 2 wks.",  # a denial after a line break
        "New neck pain x 3 wks\nPT.",  # the word after a duration, on the next line
    ],
)
def test_a_long_text_reads_as_a_whole_wherever_a_part_ends_beside_a_line_break(knowledge, monkeypatch, words):
    filler = "Routine follow-up, medications reviewed. " * 23
    texts = [filler + "Note " + "word " * j + ". " + words + " Otherwise well." for j in range(16)]
    parts = reader_module.TextReader(knowledge)
    cut = [t for t in texts if len(list(parts._parts(parts.pipeline.current, t))) > 1]
    assert len(cut) >= 8  # the texts are read in parts, with an edge near the words
    in_parts = [_mentions(parts, [(text, False)]) for text in texts]
    monkeypatch.setattr(reader_module, "PART_CHARS", reader_module.MAX_TEXT_CHARS)  # from here on, read whole
    whole = reader_module.TextReader(knowledge)
    for text, found in zip(texts, in_parts, strict=True):
        assert found == _mentions(whole, [(text, False)]), text


@pytest.mark.parametrize("later", ["Pain still there.", "Cough worse.", "Flare of neck pain x 3 days."])
def test_a_present_word_in_another_part_reads_as_in_the_whole_text(knowledge, monkeypatch, later):
    """A history ("Hx neck pain.") in one part and "still" in another: uncertain, as when the text is read whole."""
    text = "Hx neck pain. " + "Routine follow-up, medications reviewed. " * 40 + later
    parts = reader_module.TextReader(knowledge)
    assert len(list(parts._parts(parts.pipeline.current, text))) > 1
    in_parts = _mentions(parts, [(text, False)])
    assert in_parts[0][0][:2] == ("neck-pain", Context.UNCERTAIN)
    monkeypatch.setattr(reader_module, "PART_CHARS", reader_module.MAX_TEXT_CHARS)
    assert in_parts == _mentions(reader_module.TextReader(knowledge), [(text, False)])


def test_a_part_without_a_full_stop_to_end_it_ends_at_its_bound(knowledge):
    text = "neck pain\n" * ((reader_module.MAX_PART_CHARS * 3) // 10)
    reader = reader_module.TextReader(knowledge)
    edges = list(reader._parts(reader.pipeline.current, text))
    assert len(edges) >= 3 and all(end - start <= reader_module.MAX_PART_CHARS + 10 for start, end in edges)
    assert edges[0][0] == 0 and edges[-1][1] == len(text)
