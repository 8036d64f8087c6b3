"""A bounded worker pool: at most ``limit`` items in flight, and only ``limit`` tasks ever
exist, however many items (a /16 scan is 65k addresses: never 65k tasks at once); and the
process settings a fleet needs (descriptors, garbage collector)."""

from __future__ import annotations

import gc
import resource
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from minerfarm.aio import task_group

T = TypeVar("T")
R = TypeVar("R")


async def bounded_map(worker: Callable[[T], Awaitable[R]], items: Iterable[T],
                      limit: int) -> list[R]:
    """``[await worker(item) for item in items]``, ``limit`` at a time, results in order.

    ``worker`` must not raise for one item (turn errors into results); if it does, the
    other workers are cancelled and that error propagates as it is.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    source = iter(enumerate(items))
    results: dict[int, R] = {}

    async def run() -> None:
        for index, item in source:  # shared iterator: each item taken by one worker
            results[index] = await worker(item)

    async with task_group() as group:
        for _ in range(limit):
            group.create_task(run())
    return [results[index] for index in range(len(results))]


def raise_fd_limit() -> None:
    """Thousands of sockets need more than the usual 1024 descriptors: 256 ASICs identified
    at once hold up to seven sockets each (RPC and the web probes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def freeze_fleet_state() -> None:
    """After the first round: what exists now (each ASIC's transports, HTTP clients,
    identified backend, last reading) lives as long as the process, so keep it out of the
    collector's passes (``gc.freeze``; reference counting still frees it when dropped)."""
    gc.freeze()
