"""collector.paused: the cyclic garbage collector held off for a block, and always on again afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from cds_service import collector


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_on_again_after_an_exception():
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("the app failed")
    assert gc.isenabled()


def test_a_collector_found_off_stays_off():
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_inner_block_leaves_it_to_the_outer_one():
    with collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()  # the outer block is still running
    assert gc.isenabled()


def test_objects_freed_inside_the_block_cause_no_collection_at_all():
    runs = []
    here = threading.get_ident()

    def count(phase, _info):
        if phase == "start" and threading.get_ident() == here:  # a collection runs on the allocating thread
            runs.append(1)

    gc.collect()
    gc.callbacks.append(count)
    try:
        with collector.paused():
            parsed = [{"resourceType": "Observation", "code": {"coding": [{"code": str(i)}]}} for i in range(50_000)]
            del parsed  # the request's end: freed by reference counting
        leftover = [{} for _ in range(100)]  # allocations after the block: below the first threshold again
    finally:
        gc.callbacks.remove(count)
    assert leftover and runs == []
    assert gc.get_count()[0] < gc.get_threshold()[0]
