"""The cyclic garbage collector held off while a worker answers a request, and left to run between requests.

A request's objects (its parsed JSON above all: about 100 000 for a prefetch of 1 MB) are freed by reference
counting when it ends; they form no cycles. While they are alive, the collector's automatic runs scan them
and promote them to older generations, whose runs scan them again (README, Benchmarks: most of a quarter
of the CPU per MB of prefetch). Paused for the request, the collector finds them gone: its allocation count
falls back as they are freed, so it runs between requests, and only for what is really left (cycles, growing
caches).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The automatic collector off for the block, then on again if it was on.

    Only for a process that runs one such block at a time (the server's worker with `CDS_THREADS=1`): `gc` is
    one switch for the whole process, and with blocks on several threads one could find it off between
    another's start and end, turn it off after that one turned it on, and leave it off for good."""
    was_on = gc.isenabled()
    try:
        gc.disable()
        yield
    finally:
        if was_on:
            gc.enable()
