"""Login limits shared over NATS (``SharedLoginLimiter``), in-process against real NATS:
commanders racing on one address count every failure once, a success on one clears the
record for all, and with NATS killed or frozen each commander still limits by itself."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from minerfarm.commander.auth.ratelimit import LoginLimiter
from minerfarm.commander.nats.connection import NatsUnavailable, connect
from minerfarm.commander.nats.logins import Record, SharedLoginLimiter, key_for
from tests.support import free_port

NATS_URL = "nats://127.0.0.1:4222"
ADDRESS = "2001:db8::7"  # IPv6: ':' is not allowed in a KV key as such


class Clock:
    """One made-up clock for both the local (monotonic) and the shared (wall) deadlines."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _client(url: str) -> Client:
    try:
        return await connect(url, 5.0, name="test-login-limits")
    except NatsUnavailable as exc:
        pytest.skip(str(exc))


def _limiter(client: Client, bucket: str, clock: Clock, free: int = 3,
             **kwargs: float) -> SharedLoginLimiter:
    return SharedLoginLimiter(client, LoginLimiter(free, 60, clock=clock), bucket, clock=clock,
                              **kwargs)


@pytest.fixture
async def two() -> AsyncIterator[tuple[SharedLoginLimiter, SharedLoginLimiter, Clock]]:
    """Two commanders' limiters, each on its own NATS connection, one bucket."""
    bucket, clock = f"t{secrets.token_hex(4)}_logins", Clock()
    a, b = await _client(NATS_URL), await _client(NATS_URL)
    try:
        yield _limiter(a, bucket, clock), _limiter(b, bucket, clock), clock
    finally:
        with contextlib.suppress(Exception):
            await a.jetstream().delete_stream(f"KV_{bucket}")
        await a.close()
        await b.close()


async def _stored(limiter: SharedLoginLimiter) -> Record | None:
    kv = await limiter.client.jetstream().key_value(limiter.bucket)
    return Record.decode((await kv.get(key_for(ADDRESS))).value)


async def test_failures_spread_over_two_commanders_lock_out_as_on_one(
        two: tuple[SharedLoginLimiter, SharedLoginLimiter, Clock]) -> None:
    a, b, clock = two
    await a.failed(ADDRESS)
    await b.failed(ADDRESS)
    assert await a.retry_after(ADDRESS) == 0 and await b.retry_after(ADDRESS) == 0
    await a.failed(ADDRESS)  # the third in all (each saw fewer): locked out 1 s
    assert await b.retry_after(ADDRESS) == 1.0
    clock.now += 1.5
    assert await b.retry_after(ADDRESS) == 0
    await b.failed(ADDRESS)  # the fourth: twice as long, on both
    assert await a.retry_after(ADDRESS) == 2.0
    assert await b.retry_after("2001:db8::8") == 0  # another address is not locked out


async def test_racing_commanders_count_every_failure(
        two: tuple[SharedLoginLimiter, SharedLoginLimiter, Clock]) -> None:
    a, b, _ = two
    await asyncio.gather(*(limiter.failed(ADDRESS) for _ in range(4) for limiter in (a, b)))
    record = await _stored(a)
    assert record is not None and record.failures == 8


async def test_a_login_on_one_commander_clears_the_count_on_all(
        two: tuple[SharedLoginLimiter, SharedLoginLimiter, Clock]) -> None:
    a, b, clock = two
    for _ in range(3):
        await a.failed(ADDRESS)
    clock.now += 1.5  # the lockout is over; the admin logs in through b
    assert await b.retry_after(ADDRESS) == 0
    await b.succeeded(ADDRESS)
    for _ in range(2):
        await a.failed(ADDRESS)  # a had counted three itself: forgotten too
    assert await a.retry_after(ADDRESS) == 0  # two free failures again, not locked out
    record = await _stored(a)
    assert record is not None and record.failures == 2


async def test_a_lockout_never_outlasts_the_longest_and_bad_records_are_ignored(
        two: tuple[SharedLoginLimiter, SharedLoginLimiter, Clock]) -> None:
    a, b, clock = two
    kv = await a._bucket()
    await kv.put(key_for(ADDRESS), Record(50, clock.now + 10**9).encode())  # a clock far off
    assert await b.retry_after(ADDRESS) == 60.0  # MINERFARM_LOGIN_BACKOFF_MAX_S, not 30 years
    await kv.put(key_for(ADDRESS), b"not json")
    assert await b.retry_after(ADDRESS) == 0
    await b.failed(ADDRESS)  # replaces it
    record = await _stored(a)
    assert record is not None and record.failures == 1


class NatsServer:
    """A nats-server of this test's own, to kill and freeze (the shared one stays up)."""

    def __init__(self, binary: str, store: Path) -> None:
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.argv = [binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(store)]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port),
                                                                        1):
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def freeze(self) -> None:
        """SIGSTOP, and wait until every thread has stopped (kill() returns before that)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        tasks = Path(f"/proc/{self.proc.pid}/task")
        deadline = time.monotonic() + 10
        while any((task / "stat").read_text().rsplit(")", 1)[1].split()[0] != "T"
                  for task in tasks.iterdir()):
            assert time.monotonic() < deadline, "nats-server did not stop"
            time.sleep(0.01)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # (a frozen one too)
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    binary = shutil.which("nats-server")
    if binary is None:
        pytest.skip("no nats-server on PATH")
    server = NatsServer(binary, tmp_path / "js")
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def _until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _locked_after(limiter: SharedLoginLimiter, failures: int) -> float:
    for _ in range(failures):
        await limiter.failed(ADDRESS)
    return await limiter.retry_after(ADDRESS)


async def test_with_nats_killed_each_commander_still_limits_and_lets_the_admin_in(
        own_nats: NatsServer) -> None:
    clock = Clock()
    client = await _client(own_nats.url)
    try:
        limiter = _limiter(client, "own_logins", clock)
        await limiter.failed(ADDRESS)  # shared while NATS is up
        own_nats.kill()
        await _until(lambda: not client.is_connected)
        # counted here too (three in all), answered at once (no wait on the dead server)
        assert await asyncio.wait_for(_locked_after(limiter, 2), 5) == 1.0
        clock.now += 1.5  # the lockout ends, though the shared record cannot be read
        assert await limiter.retry_after(ADDRESS) == 0
        await limiter.succeeded(ADDRESS)  # the admin got in
        assert await _locked_after(limiter, 3) == 1.0  # and guessing is limited again
        own_nats.start()  # back (same store): shared again, the record from before kept
        await _until(lambda: client.is_connected)
        clock.now += 1.5
        await limiter.failed(ADDRESS)
        record = await _stored(limiter)
        assert record is not None and record.failures == 2
    finally:
        await client.close()


async def test_with_nats_frozen_logins_wait_at_most_the_timeout_then_are_local(
        own_nats: NatsServer) -> None:
    clock = Clock()
    client = await _client(own_nats.url)
    try:
        limiter = _limiter(client, "own_logins", clock, timeout_s=0.5, recheck_s=0.5)
        assert await limiter.retry_after(ADDRESS) == 0  # (the bucket made)
        own_nats.freeze()
        assert client.is_connected  # a frozen server looks connected
        assert await asyncio.wait_for(_locked_after(limiter, 3), 10) == 1.0  # local limits
        own_nats.thaw()
        await asyncio.sleep(0.6)  # recheck_s: NATS is tried again
        clock.now += 1.5
        await _until(lambda: client.is_connected)
        await limiter.failed(ADDRESS)
        record = await _stored(limiter)
        assert record is not None and record.failures == 1  # none of the frozen ones
    finally:
        await client.close()
