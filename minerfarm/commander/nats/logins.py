"""Login limits shared by every commander: one record per client address in the NATS
key-value bucket ``<prefix>_logins``, so guesses spread over N commanders are limited as if
they all went to one.

A failure is counted by compare and set: read the record and its revision, write the count
plus one expecting that revision, read again if another commander wrote first. A lockout is a
wall-clock deadline (commanders of one farm share a clock closely enough); one further away
than the longest lockout is cut to it, so a wrong clock or a bad record never locks the admin
out for longer. A record is forgotten :data:`FORGET_S` after its last failure (the bucket's
max age), or at once when that address logs in.

Fail-safe: while NATS answers, the shared record decides, and each commander keeps a copy of
the last one it read or wrote for an address (:class:`LoginLimiter`, in memory). While NATS
is away (not connected, or an
operation past ``timeout_s``: then NATS is left alone for ``recheck_s``, so a frozen server
does not slow every login) each commander counts on top of its copy: guessing stays limited
on each commander for the outage, and nobody is locked out by a record that cannot be read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import orjson
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from minerfarm.commander.auth.ratelimit import LoginLimiter, lockout_s

log = logging.getLogger(__name__)
T = TypeVar("T")
FORGET_S = 86_400.0  # failures with none newer for a day are forgotten
CAS_TRIES = 10  # commanders racing on one address: each failure is written within this many


@dataclass(frozen=True)
class Record:
    failures: int
    locked_until: float  # wall clock (time.time()), 0 when not locked

    def encode(self) -> bytes:
        return orjson.dumps({"failures": self.failures, "locked_until": self.locked_until})

    @classmethod
    def decode(cls, data: bytes | None) -> Record | None:
        """None for a value this module did not write (logged; the next failure replaces it)."""
        try:
            value = orjson.loads(data or b"")
            failures, locked_until = value["failures"], value["locked_until"]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            failures = locked_until = None
        if (not isinstance(failures, int) or isinstance(failures, bool) or failures < 0
                or not isinstance(locked_until, (int, float))):
            log.warning("login limits: unreadable record %r ignored", (data or b"")[:100])
            return None
        return cls(failures, float(locked_until))


def key_for(address: str) -> str:
    """A KV key for any address (IPv6 has ':', which keys may not): its UTF-8 in hex."""
    return "a" + address.encode().hex()


@dataclass
class SharedLoginLimiter:
    client: Client
    local: LoginLimiter
    bucket: str
    timeout_s: float = 1.0
    recheck_s: float = 5.0
    clock: Callable[[], float] = time.time
    _kv: KeyValue | None = None
    _away: str | None = None  # why NATS is not used right now (logged once per outage)
    _away_until: float = 0.0  # (time.monotonic) no NATS operation before this

    async def retry_after(self, address: str) -> float:
        read = await self._shared(lambda kv: self._read(kv, key_for(address)))
        if read is None:  # NATS away: this commander's copy, and its own count since
            return self.local.wait(address)
        record = read[0]
        if record is None:
            self.local.forget(address)
            return 0.0
        return self._adopt(address, record)

    async def failed(self, address: str) -> None:
        record = await self._shared(lambda kv: self._count(kv, key_for(address)))
        if record is None:
            await self.local.failed(address)  # counted here alone, on top of the last copy
        else:
            self._adopt(address, record)

    async def succeeded(self, address: str) -> None:
        if self.local.forget(address):  # else no shared record either, as last read
            await self._shared(lambda kv: kv.delete(key_for(address)))

    def _adopt(self, address: str, record: Record) -> float:
        """The record's wait (cut to the longest lockout), and this commander's copy of it."""
        wait = min(max(0.0, record.locked_until - self.clock()), self.local.max_lockout_s)
        self.local.adopt(address, record.failures, wait)
        return wait

    async def _read(self, kv: KeyValue, key: str) -> tuple[Record | None, int]:
        """The record and the revision an update must expect (0: the key never existed)."""
        try:
            entry = await kv.get(key)
        except KeyNotFoundError as exc:  # none, or deleted: its tombstone's revision
            return None, exc.entry.revision if exc.entry is not None else 0
        return Record.decode(entry.value), entry.revision or 0

    async def _count(self, kv: KeyValue, key: str) -> Record | None:
        for _ in range(CAS_TRIES):
            record, revision = await self._read(kv, key)
            failures = (record.failures if record else 0) + 1
            lock = lockout_s(failures, self.local.free_attempts, self.local.max_lockout_s)
            before = record.locked_until if record else 0.0
            written = Record(failures, max(before, self.clock() + lock) if lock > 0 else before)
            try:
                await kv.update(key, written.encode(), last=revision)
            except KeyWrongLastSequenceError:
                continue  # another commander counted one first: count on top of it
            return written
        log.warning("login limits: %s kept changing; this failure counted here only", key)
        return None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            js = self.client.jetstream()
            try:
                self._kv = await js.key_value(self.bucket)
            except BucketNotFoundError:
                self._kv = await js.create_key_value(bucket=self.bucket, ttl=FORGET_S,
                                                     history=1)
        return self._kv

    async def _shared(self, op: Callable[[KeyValue], Awaitable[T]]) -> T | None:
        """``op`` on the bucket, or None while NATS is away (the local limits still hold)."""
        if not self.client.is_connected:
            self._went_away("not connected")
            return None
        if time.monotonic() < self._away_until:
            return None
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await op(await self._bucket())
        except (NatsError, TimeoutError, OSError) as exc:
            self._went_away(f"{type(exc).__name__}: {exc}")
            self._away_until = time.monotonic() + self.recheck_s
            return None
        if self._away is not None:
            log.warning("login limits: shared over NATS again")
            self._away = None
        return result

    def _went_away(self, why: str) -> None:
        if self._away is None:
            log.warning("login limits: NATS away (%s); each commander limits logins by itself "
                        "until it is back", why)
        self._away = why
