"""The garbage collector's young threshold for minerfarm's long-running processes (the
commander, the ASIC sentry), which allocate in bursts of hundreds of thousands of container
objects that live across awaits and are nearly all freed by reference counting.

At the interpreter's default young threshold (700) those objects are walked by several young
collections, promoted, and walked again by full ones. Measured:

- ASIC sentry: a polling round's futures, tasks, HTTP requests and replies: the collector ran
  ~500 times per 1,000 ASICs, ~28 % of a warm round's CPU (600 simulated ASICs, a third on
  web APIs);
- commander: a drain batch (20,000 queue messages when measured, 50,000 by default now:
  nats-py's messages and their header dicts, decoded batches, rows): 1.95 s of collector
  time in an 8.7 s JetStream drain of 200,000 reports into PostgreSQL (~10 µs of the
  consumer's ~34 µs per report); with the threshold below, 0.35 s.

Collecting less often only delays when the few cyclic leftovers are freed.
"""

from __future__ import annotations

import gc

GC_YOUNG_THRESHOLD = 20_000  # the interpreter's default is 700


def tune_gc() -> None:
    """Collect the young generation every ``GC_YOUNG_THRESHOLD`` allocations (older
    generations keep their thresholds)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
