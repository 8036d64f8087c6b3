"""The consumer pauses the cyclic collector while a batch drains; cyclic garbage made meanwhile
(by requests served during the batch's awaits) is still collected when the batch ends, even
when batches follow each other with no pause between (a backlog)."""

from __future__ import annotations

import gc
import time
import weakref

from minerfarm.commander.ingest.consumer import _CollectorPause


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_made_during_a_batch_are_collected_when_it_ends() -> None:
    assert gc.isenabled()
    pause = _CollectorPause(collect_every_s=0.0)
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


def test_while_a_backlog_drains_they_are_collected_every_few_seconds() -> None:
    pause = _CollectorPause(collect_every_s=0.3)
    made = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # batch after batch, no pause between
        with pause():
            made.append(weakref.ref(Node()))
        if made[0]() is None:
            break
    assert made[0]() is None  # collected before the backlog ended
    assert len(made) > 10  # not after every batch: many ran before it


def test_a_collector_switched_off_by_the_embedder_stays_off() -> None:
    pause = _CollectorPause()
    gc.disable()
    try:
        with pause():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
