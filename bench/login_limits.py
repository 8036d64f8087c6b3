"""What the login limits cost an HTTP Basic request: the limiter's work for one request with
the right password (``retry_after`` then ``succeeded``) and for a wrong guess (``retry_after``
then ``failed``), in memory (one commander) and shared over NATS KV (several), against the
NATS on 127.0.0.1:4222. Prints p50 / p99 per request, in microseconds.

Usage: python bench/login_limits.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minerfarm.commander.auth.ratelimit import LoginLimiter, LoginLimits
from minerfarm.commander.nats.connection import connect
from minerfarm.commander.nats.logins import SharedLoginLimiter

NATS_URL = "nats://127.0.0.1:4222"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(requests: int, one: Callable[[LoginLimits, int], Awaitable[None]],
                limits: LoginLimits) -> str:
    spent = []
    for n in range(requests):
        started = time.perf_counter()
        await one(limits, n)
        spent.append((time.perf_counter() - started) * 1e6)
    return f"{pct(spent, 0.5):8.1f} / {pct(spent, 0.99):8.1f} us"


async def right(limits: LoginLimits, n: int) -> None:
    address = "10.0.0.1"  # one script, always right
    assert await limits.retry_after(address) == 0
    await limits.succeeded(address)


async def wrong(limits: LoginLimits, n: int) -> None:
    address = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"  # a spray: never locked out
    assert await limits.retry_after(address) == 0
    await limits.failed(address)


async def main(requests: int) -> None:
    client = await connect(NATS_URL, 5.0, name="bench-login-limits")
    bucket = f"bench{secrets.token_hex(4)}_logins"
    try:
        memory = LoginLimiter(5, 900)
        shared = SharedLoginLimiter(client, LoginLimiter(5, 900), bucket)
        await shared.retry_after("warm-up")  # the bucket made
        print(f"{requests} requests each; limiter work per request, p50 / p99")
        for name, limits in (("memory (one commander)", memory), ("NATS KV (several)", shared)):
            print(f"{name:24} right password {await timed(requests, right, limits)}"
                  f"   wrong guess {await timed(requests, wrong, limits)}")
    finally:
        with contextlib.suppress(Exception):
            await client.jetstream().delete_stream(f"KV_{bucket}")
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    asyncio.run(main(parser.parse_args().requests))
