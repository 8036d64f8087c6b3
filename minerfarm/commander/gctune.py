"""The commander's garbage-collector settings, for the ingest consumer's big batches.

A drain batch (20,000 queue messages by default) makes a few hundred thousand container
objects (nats-py's messages and their header dicts, decoded batches, rows) that live across
the batch's awaits. At the interpreter's default young threshold (700) they are walked by
several young collections, promoted, and walked again by full ones: measured on the JetStream
drain into PostgreSQL, 1.95 s of collector time in an 8.7 s drain of 200,000 reports (~10 µs
of the consumer's ~34 µs per report); with the threshold below, 0.35 s. Nearly all of these
objects are freed by reference counting; collecting less often only delays the few cyclic
leftovers.
"""

from __future__ import annotations

import gc

GC_YOUNG_THRESHOLD = 20_000  # the interpreter's default is 700; the ASIC sentry uses the same


def tune_gc() -> None:
    """Collect the young generation every ``GC_YOUNG_THRESHOLD`` allocations (older
    generations keep their thresholds)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def freeze_loaded() -> None:
    """What exists once the app has started lives as long as the process: keep it out of the
    collector's full passes, which otherwise walk it every few seconds under load (~100 ms
    pauses, seen as the acknowledgement latency's p99)."""
    gc.freeze()
