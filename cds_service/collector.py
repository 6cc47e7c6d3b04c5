"""The cyclic garbage collector held off while a worker answers a request, and left to run between requests.

A request's objects (its parsed JSON above all: about 100 000 for a prefetch of 1 MB) are freed by reference
counting when it ends; they form no cycles. While they are alive, the collector's automatic runs scan them
again and again and promote them to older generations, whose runs then scan them once more: with a 1 MB
prefetch that cost about 2.5 ms of CPU per request, a quarter of its cost (`bench/request_cost.py --bloat`).
Paused for the request, the collector finds them gone: its allocation count falls back as they are freed,
so it runs between requests, and only for what is really left (cycles, growing caches), as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The automatic collector off for the block, then on again if it was on.

    `gc` is one switch for the whole process. With several app threads (`CDS_THREADS` > 1) one request's end
    turns it on while another runs: that one saves less, nothing worse. It is on whenever no request runs, since
    a block that found it off began inside one that found it on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
