"""The text reader's spaCy pipeline is built again, in the background, once the texts read have added a bound of
words to its vocabulary (spaCy 3.7 keeps every word it has seen): the new pipeline holds none of the words read
before, reads as the old one did, and the old one goes on reading until it is ready."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
import weakref
from types import SimpleNamespace

import pytest
import spacy

from cds_service.engine.text import pipeline_build
from cds_service.engine.text import reader as reader_module
from cds_service.engine.text.pipeline_renewal import RenewingPipeline, _Built
from tests.engine.test_text_pipeline import _mentions

TEXTS = [
    ("Neck pain radiating to L arm x3 wks, no trauma. hx breast ca", False),
    ("chronic neck pain, T 38.6, r/o abscess??", False),
    ("C5-6 radiculopathy", True),
    ("no fever, chills or wt loss; neck pain since August", False),
]


def _unique_words(count: int, tag: str) -> str:
    """`count` words never seen before, in sentences of ten."""
    words = [f"{tag}{i}x" for i in range(count)]
    return " ".join(" ".join(words[i : i + 10]) + "." for i in range(0, count, 10))


class FakePipeline:
    """A stand-in for a spaCy pipeline: a vocabulary of strings that a test grows by hand."""

    def __init__(self, strings: list[str]) -> None:
        self.vocab = SimpleNamespace(strings=strings)


class FakeVocabularies:
    """Builds FakePipelines."""

    def __init__(self, fail_on: set[int] = frozenset(), gate: threading.Event | None = None) -> None:
        self.built: list[SimpleNamespace] = []
        self.fail_on, self.gate = fail_on, gate

    def __call__(self) -> SimpleNamespace:
        number = len(self.built) + 1
        if number > 1 and self.gate is not None:
            self.gate.wait(10)
        if number in self.fail_on:
            self.built.append(None)
            raise RuntimeError("no pipeline")
        nlp = FakePipeline(["a", "b"])
        self.built.append(nlp)
        return nlp


def _real_reader(knowledge) -> tuple[RenewingPipeline, reader_module.TextReader]:
    """A reader whose real pipeline is built again once texts have added 300 strings to it."""
    pipeline = RenewingPipeline(lambda: pipeline_build.build_pipeline(knowledge.lexicon), limit=300)
    return pipeline, reader_module.TextReader(knowledge, pipeline=pipeline)


def _grow(nlp: FakePipeline, count: int) -> None:
    nlp.vocab.strings.extend(str(i) for i in range(count))


def test_no_new_build_within_the_limit():
    builds = FakeVocabularies()
    pipeline = RenewingPipeline(builds, limit=10)
    _grow(pipeline.current, 10)
    pipeline.renew_if_grown()
    pipeline.wait()
    assert len(builds.built) == 1 and pipeline.renewals == 0


def test_past_the_limit_one_new_build_takes_over_when_ready():
    gate = threading.Event()
    builds = FakeVocabularies(gate=gate)
    pipeline = RenewingPipeline(builds, limit=10)
    first = pipeline.current
    _grow(first, 11)
    for _ in range(20):  # every read while the build is under way: still one build, and the old pipeline reads
        pipeline.renew_if_grown()
        assert pipeline.current is first
    gate.set()
    pipeline.wait()
    assert len(builds.built) == 2 and pipeline.renewals == 1
    assert pipeline.current is builds.built[1] is not first
    pipeline.renew_if_grown()  # the new one's own vocabulary is within the limit
    pipeline.wait()
    assert len(builds.built) == 2


def test_readers_on_many_threads_start_one_build():
    gate = threading.Event()
    builds = FakeVocabularies(gate=gate)
    pipeline = RenewingPipeline(builds, limit=10)
    _grow(pipeline.current, 11)
    together = threading.Barrier(8)

    def read() -> None:
        together.wait()
        for _ in range(50):
            pipeline.renew_if_grown()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gate.set()
    pipeline.wait()
    assert len(builds.built) == 2 and pipeline.renewals == 1


def test_a_reader_that_saw_the_growth_as_a_new_pipeline_took_over_starts_no_build():
    builds = FakeVocabularies()
    pipeline = RenewingPipeline(builds, limit=10)
    _grow(pipeline.current, 11)
    with pipeline._lock:  # a build is finishing: the reader below saw the growth and waits for the lock
        reader = threading.Thread(target=pipeline.renew_if_grown)
        reader.start()
        time.sleep(0.2)
        fresh = FakePipeline(["a"])
        pipeline._built = _Built(fresh, 1)  # the new pipeline took over
    reader.join()
    pipeline.wait()
    assert len(builds.built) == 1 and pipeline.current is fresh


def test_the_old_pipeline_is_freed_once_a_new_one_took_over(knowledge):
    pipeline, reader = _real_reader(knowledge)
    reader.read("neck pain x3 wks, " + _unique_words(400, "zqfreed"))
    old = weakref.ref(pipeline.current)
    reader.read("neck pain x4 wks")
    pipeline.wait(60)
    gc.collect()
    assert pipeline.renewals == 1 and old() is None


def test_a_first_pipeline_frozen_at_start_up_is_kept_and_the_frozen_objects_are_not_let_back(knowledge):
    # `cds-service serve` freezes its start-up objects; freeing the first pipeline would mean a full collection of
    # them (every page a worker shares with the server's first process copied): the build does not do that
    pipeline, reader = _real_reader(knowledge)
    reader.read("neck pain x3 wks, " + _unique_words(400, "zqfrozen"))
    first = weakref.ref(pipeline.current)
    gc.freeze()
    try:
        reader.read("neck pain x4 wks")
        pipeline.wait()
        gc.collect()
        assert pipeline.renewals == 1 and pipeline.current is not first()
        assert first() is not None and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_forked_child_builds_although_its_parent_was_starting_a_build_as_it_forked():
    builds = FakeVocabularies()
    pipeline = RenewingPipeline(builds, limit=10)
    _grow(pipeline.current, 11)
    with pipeline._lock:  # another thread of the parent is starting a build at the moment of the fork
        child = os.fork()
        if child == 0:  # the child: no such thread there, so the lock must not stay held
            pipeline.renew_if_grown()
            pipeline.wait(10)
            os._exit(0 if pipeline.renewals == 1 else 1)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        pytest.fail("the child waited for a lock no thread of its own held")
    assert os.waitstatus_to_exitcode(done[1]) == 0


def test_a_failed_build_is_logged_the_current_pipeline_goes_on_and_is_renewed_later(caplog):
    builds = FakeVocabularies(fail_on={2})
    pipeline = RenewingPipeline(builds, limit=10)
    first = pipeline.current
    _grow(first, 11)
    with caplog.at_level(logging.ERROR):
        pipeline.renew_if_grown()
        pipeline.wait()
    assert pipeline.current is first and pipeline.renewals == 0
    assert "building a new text pipeline failed" in caplog.text
    pipeline.renew_if_grown()  # not again at once: only after as many new strings
    pipeline.wait()
    assert len(builds.built) == 2
    _grow(first, 11)
    pipeline.renew_if_grown()
    pipeline.wait()
    assert len(builds.built) == 3 and pipeline.current is builds.built[2] and pipeline.renewals == 1


def test_the_limit_is_positive():
    with pytest.raises(ValueError):
        RenewingPipeline(FakeVocabularies(), limit=0)


def test_the_readers_pipeline_is_renewed_and_keeps_none_of_the_words_read(knowledge):
    pipeline, reader = _real_reader(knowledge)
    first = pipeline.current
    expected = _mentions(reader, TEXTS)
    reader.read("neck pain x3 wks, " + _unique_words(400, "zqname"))
    assert "zqname7x" in first.vocab.strings
    reader.read("neck pain x4 wks")  # the next read sees the growth and starts the build
    pipeline.wait(60)
    assert pipeline.renewals == 1 and pipeline.current is not first
    assert "zqname7x" not in pipeline.current.vocab.strings
    assert len(pipeline.current.vocab.strings) < len(first.vocab.strings) - 400
    reader.read.cache_clear()
    assert _mentions(reader, TEXTS) == expected


def test_a_text_is_read_to_its_end_with_the_pipeline_it_began_with(knowledge, monkeypatch):
    """A new pipeline that takes over while a long text is read does not change how that text is read."""
    text = "Routine follow-up, medications reviewed. " * 40 + "New neck pain x 3 wks. No fever. hx breast ca."
    expected = reader_module.TextReader(knowledge).read(text)
    blank = spacy.blank("en")  # reads nothing: a part read with it would lose its mentions
    blank.add_pipe("sentencizer")
    builds = iter([pipeline_build.build_pipeline(knowledge.lexicon), blank])
    pipeline = RenewingPipeline(lambda: next(builds), limit=1)
    reader = reader_module.TextReader(knowledge, pipeline=pipeline)
    measure = reader._measure

    def measure_then_swap(doc):  # the first part's words have grown the vocabulary: the blank one takes over
        pipeline.renew_if_grown()
        pipeline.wait()
        return measure(doc)

    monkeypatch.setattr(reader, "_measure", measure_then_swap)
    assert len(list(reader_module.TextReader._parts(pipeline_build.build_pipeline(knowledge.lexicon), text))) > 1
    found = reader.read(text)
    assert pipeline.current is blank  # the swap happened during the read
    assert found == expected and any(m.concept == "neck-pain" for m in found)


def test_the_process_keeps_one_renewing_pipeline_per_lexicon(knowledge):
    shared = reader_module.TextReader(knowledge).pipeline
    assert isinstance(shared, RenewingPipeline)
    assert reader_module.TextReader(knowledge).pipeline is shared is reader_module.TextReader(knowledge).pipeline
    assert shared._limit == pipeline_build.MAX_NEW_STRINGS
