"""A spaCy pipeline that is built again once the texts it read have grown its vocabulary by a bound.

spaCy 3.7 keeps every word it has seen (string and lexeme, about 0.5 KB each) for the life of its vocabulary, so a
long-running process that reads clinical notes grows without end, and keeps their words (names among them) in
memory. spaCy 3.8's memory zones would free them, but medspaCy 1.3 requires spaCy < 3.8 on Python 3.11; spaCy's
own advice for 3.7 is to reset the vocabulary from time to time, which for a pipeline built on it means building a
new one. The new one is built on a background thread while the old one goes on reading; it replaces it when ready.
A reader takes `current` once per text and reads the whole text with that pipeline.

A spaCy pipeline holds reference cycles, so the cyclic collector frees an old one, but never one among the objects
`gc.freeze()` set aside: `cds-service serve` freezes its start-up objects, the first pipeline among them, so a
worker keeps that one (about 11 MiB and the words it read, up to the limit) after its first build. Freeing it would
take a full collection of the unfrozen heap: every page the worker shares with the server's first process copied,
and the interpreter held for a quarter of a second, at each build. Not worth it for one bounded pipeline.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

log = logging.getLogger(__name__)


class _Built(NamedTuple):
    nlp: Any
    strings: int  # the vocabulary's strings when it was built (or when a failed build was given up)


class RenewingPipeline:
    """`current`: the pipeline to read with. `renew_if_grown()`, before each read, starts a new build (one at a
    time) once the vocabulary holds more than `limit` strings beyond what it held when built; a build that fails
    is logged and tried again after as many new strings."""

    def __init__(self, build: Callable[[], Any], limit: int) -> None:
        if limit <= 0:
            raise ValueError("the limit of new strings must be positive")
        self._build = build
        self._limit = limit
        nlp = build()
        self._built = _Built(nlp, _strings(nlp))  # one attribute: a reader never sees a pipeline with another's count
        self._lock = threading.Lock()
        self._renewal: threading.Thread | None = None
        self.renewals = 0  # completed builds after the first
        alive = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (found := alive()) is not None and found._after_fork())

    @property
    def current(self) -> Any:
        return self._built.nlp

    def renew_if_grown(self) -> None:
        """Start building a new pipeline if the current one's vocabulary has grown past the limit."""
        if not self._grown():
            return
        with self._lock:
            if not self._grown() or (self._renewal is not None and self._renewal.is_alive()):
                return  # (a new one took over meanwhile, or one is being built)
            self._renewal = threading.Thread(target=self._renew, name="spacy-pipeline-renewal", daemon=True)
            self._renewal.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a build under way, if any (tests, and a process that wants its memory back before going on)."""
        renewal = self._renewal
        if renewal is not None:
            renewal.join(timeout)

    def _grown(self) -> bool:
        built = self._built
        return _strings(built.nlp) - built.strings > self._limit

    def _renew(self) -> None:
        try:
            fresh = self._build()
        except Exception:  # the old pipeline goes on reading; try again after as many new strings
            log.exception("building a new text pipeline failed; the current one goes on")
            self._built = _Built(self.current, _strings(self.current))
        else:
            self._built = _Built(fresh, _strings(fresh))
            self.renewals += 1
            log.info("text pipeline built again", extra={"strings_limit": self._limit})
        finally:
            with self._lock:
                self._renewal = None

    def _after_fork(self) -> None:
        """In a forked child: no build runs there, and the lock may have been held by a thread that is not there."""
        self._lock = threading.Lock()
        self._renewal = None


def _strings(nlp: Any) -> int:
    return len(nlp.vocab.strings)
