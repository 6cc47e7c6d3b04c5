"""The free-text measures of issue 13 on the corpora in tests/fixtures/text/, and the text reader's speed.

Run: .venv/bin/python bench/text_corpus.py

For each corpus: cases, share rated as the policy says (outcome and variants), false warnings (a warning where the
policy gives none), and among the cases that document an indication, the share that got a rating. Then the time to
read a typical reason + note (<= 400 characters) the first time and again (the reader caches by text), a problem-list
entry of another topic (a display the reader reads for a code not in the lists) and long notes, and the
token patterns' share of it (first-token index and spaCy's full Matcher).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.engine import Engine
from cds_service.knowledge import load_knowledge
from tests.text_cases import load_cases, run_case

CORPORA = ("corpus.yaml", "held-out.yaml", "held-out-2.yaml", "held-out-3.yaml")


def measure(engine: Engine, name: str) -> str:
    results = [run_case(engine, case) for case in load_cases(name)]
    agree = sum(r.agrees for r in results)
    false_warnings = sum(r.false_warning for r in results)
    documented = [r for r in results if r.case["expect"].get("variants")]
    rated = sum(r.got not in ("insufficient-data", "not-applicable") for r in documented)
    return (
        f"| {name} | {len(results)} | {agree / len(results):.1%} | {false_warnings} | "
        f"{rated}/{len(documented)} = {rated / len(documented):.1%} |"
    )


def reading_times(engine: Engine) -> tuple[float, float]:
    """Median ms to read a fresh text, and the same text again."""
    texts = corpus_texts()
    reader = engine.reader.words
    first, again = [], []
    for i, text in enumerate(texts):
        fresh = f"{text} (case {i} {time.perf_counter_ns()})"  # never read before
        started = time.perf_counter()
        reader.read(fresh, True)
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        reader.read(fresh, True)
        again.append(time.perf_counter() - started)
    return statistics.median(first) * 1000, statistics.median(again) * 1000


# Problem-list entries of other topics: the reader reads the displays of Conditions whose codes are not in the lists
OTHER_CONDITIONS = (
    "Essential hypertension",
    "Type 2 diabetes mellitus without complications",
    "Hyperlipidemia, unspecified",
    "Gastro-esophageal reflux disease without esophagitis",
    "Major depressive disorder, single episode",
    "Obesity, unspecified",
    "Vitamin D deficiency",
    "Osteoarthritis of right knee",
    "Allergic rhinitis",
    "Hypothyroidism, unspecified",
)


def other_condition_times(engine: Engine, rounds: int = 200) -> float:
    """Median ms to read a problem-list entry that names nothing of this topic, the first time."""
    texts = [f"{text} ({i})" for i in range(rounds) for text in OTHER_CONDITIONS]  # never read before
    return _median_ms(lambda text: engine.reader.words.read(text, True), texts)


def long_note_times(engine: Engine, reads: int = 5) -> list[tuple[int, float]]:
    """Median ms of `reads` first reads of notes made of corpus sentences, up to the longest text the reader reads
    (read in parts); each read a note not read before."""
    from cds_service.engine.text.reader import MAX_TEXT_CHARS

    sentences = " ".join(t if t.endswith(".") else t + "." for t in corpus_texts())
    times = []
    for size in (1_000, 5_000, MAX_TEXT_CHARS):
        note = sentences[: sentences.rfind(".", 0, size - 30) + 1]
        notes = [f"Visit {i} ({time.perf_counter_ns()}). {note}" for i in range(reads)]
        times.append((len(notes[0]), _median_ms(lambda text: engine.reader.words.read(text, True), notes)))
    return times


def sentence_splitters(texts: list[str]) -> tuple[float, float]:
    """Median ms to split a text into sentences: spaCy's rule-based sentencizer (what the reader uses) and the
    PyRuSH splitter that medspacy.load() puts in its default pipeline."""
    import spacy
    from loguru import logger
    from medspacy.sentence_splitting import PyRuSHSentencizer  # noqa: F401 - registers the component

    logger.disable("PyRuSH")  # its debug log would be timed too

    ours = spacy.blank("en")
    ours.add_pipe("sentencizer")
    pyrush = spacy.blank("en")
    pyrush.add_pipe("medspacy_pyrush")
    ours(texts[0])  # warm
    pyrush(texts[0])
    return _median_ms(ours, texts), _median_ms(pyrush, texts)


def token_matcher_times(engine: Engine, texts: list[str]) -> list[tuple[str, float, float]]:
    """Median ms per text of each medspaCy component's token patterns: through the FirstTokenIndex and through
    spaCy's full Matcher (which the index keeps for ties)."""
    from cds_service.engine.text import first_token_index, target_entities

    nlp = engine.reader.words.pipeline.current
    docs = [nlp.make_doc(text) for text in texts]
    results = []
    for name in (target_entities.FACTORY, "medspacy_context"):
        index = first_token_index.index_of(nlp.get_pipe(name))
        if index is not None:
            results.append((name, _median_ms(index, docs), _median_ms(index.full, docs)))
    return results


def _median_ms(step: Callable[[Any], Any], items: list[Any]) -> float:
    """The median ms of `step` on each item."""
    times = []
    for item in items:
        started = time.perf_counter()
        step(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def corpus_texts() -> list[str]:
    texts = [
        ((c.get("reason") or "") + " " + (c.get("note") or "")).strip() for name in CORPORA for c in load_cases(name)
    ]
    return [t for t in texts if 0 < len(t) <= 400]


def main() -> None:
    engine = Engine(load_knowledge())
    print("| corpus | cases | rated as the policy says | false warnings | documented indication rated |")
    print("|---|---|---|---|---|")
    for name in CORPORA:
        print(measure(engine, name))
    first, again = reading_times(engine)
    print(f"\ntext reading, median per reason + note (<= 400 characters): first {first:.2f} ms, again {again:.4f} ms")
    print(f"a problem-list entry of another topic, median first read: {other_condition_times(engine):.3f} ms")
    notes = ", ".join(f"{size} characters {ms:.0f} ms" for size, ms in long_note_times(engine))
    print(f"a long note of corpus sentences, median of 5 first reads: {notes}")
    for name, indexed, full in token_matcher_times(engine, corpus_texts()):
        timing = f"first-token index {indexed:.3f} ms, full Matcher {full:.3f} ms"
        print(f"{name} token patterns alone, median per text: {timing}")
    sentencizer, pyrush = sentence_splitters(corpus_texts())
    print(f"sentence splitting alone, median: spaCy sentencizer {sentencizer:.3f} ms, medspaCy PyRuSH {pyrush:.3f} ms")


if __name__ == "__main__":
    main()
