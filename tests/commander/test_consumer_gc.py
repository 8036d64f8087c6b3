"""The consumer pauses the cyclic collector while a batch drains; cyclic garbage made meanwhile
(by requests served during the batch's awaits) is still collected when the batch ends, even
when batches follow each other with no pause between (a backlog)."""

from __future__ import annotations

import gc
import weakref

from minerfarm.commander.ingest.consumer import _CollectorPause


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_made_during_a_batch_are_collected_when_it_ends() -> None:
    assert gc.isenabled()
    pause = _CollectorPause()
    for _ in range(3):  # batch after batch, as a backlog drains
        with pause():
            assert not gc.isenabled()
            with pause():  # nested: still paused after the inner one
                pass
            assert not gc.isenabled()
            made = weakref.ref(Node())
            assert made() is not None  # paused: nothing collects it yet
        assert gc.isenabled()
        assert made() is None


def test_a_collector_switched_off_by_the_embedder_stays_off() -> None:
    pause = _CollectorPause()
    gc.disable()
    try:
        with pause():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
