"""Small asyncio helpers every long-running part shares, defined once.

- :class:`Backoff`: exponential delays (with or without jitter) between retries: the uplink,
  the playbook watcher, a crashed miner's restarts.
- :func:`task_group`: an :class:`asyncio.TaskGroup` whose first error is raised as it is, not
  wrapped in an ``ExceptionGroup``, so callers catch ``RigRemoved`` or ``TokenInvalid`` with a
  plain ``except`` (every task group of the sentries wants exactly that).
- :func:`alongside`: run coroutines together until one raises.
- :func:`every`: call a round each interval, without drift and without bursts.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Backoff:
    """Delays ``d = base_s * 2**attempts``, at most ``max_s``; with ``jitter`` ("equal jitter")
    each one is drawn in [d/2, d], so sentries cut off together do not come back together."""

    base_s: float = 1.0
    max_s: float = 60.0
    jitter: bool = True
    attempts: int = 0
    rand: Callable[[float, float], float] = field(default=random.uniform, repr=False)

    def next(self) -> float:
        delay = min(self.max_s, self.base_s * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return self.rand(delay / 2, delay) if self.jitter else delay

    def reset(self) -> None:
        self.attempts = 0

    def fresh(self) -> Backoff:
        """The same policy, started over (one per miner from a shared setting)."""
        return replace(self, attempts=0)


@contextlib.asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """``async with task_group() as group:`` like :class:`asyncio.TaskGroup`, but the first
    error of its tasks (or of the body) is raised as it is; the other tasks are cancelled."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as errors:
        raise errors.exceptions[0] from None


async def alongside(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run together until one raises; that error is raised as it is (no ExceptionGroup)."""
    async with task_group() as group:
        for coroutine in coroutines:
            group.create_task(coroutine)


async def every(interval_s: float, work: Callable[[], Awaitable[object]]) -> None:
    """Forever: ``await work()``, then wait for the next tick. Ticks are fixed (no drift); a
    round slower than the interval skips the missed ticks rather than catching up in a burst."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    while True:
        await work()
        next_at += interval_s
        delay = next_at - loop.time()
        if delay < 0:
            next_at, delay = loop.time(), 0.0
        await asyncio.sleep(delay)
