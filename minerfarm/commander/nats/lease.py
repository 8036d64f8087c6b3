"""Leadership for singleton jobs (rollups and retention): a key in a NATS key-value bucket
whose entries expire after ``ttl_s``.

The leader writes the key every ``ttl_s / 3`` with the revision it last saw (compare and
set); any other commander tries to create it, which only succeeds once the key has expired.
A leader killed -9 stops refreshing, its key expires, and another commander takes over
within ``ttl_s`` plus one try. A leader that cannot refresh (NATS away, or another holder)
stops its job at once: two rollup jobs never run together for longer than one refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError

log = logging.getLogger(__name__)


class Lease:
    def __init__(self, client: Client, name: str, ttl_s: float,
                 prefix: str = "minerfarm") -> None:
        self._client, self.name, self.ttl_s = client, name, ttl_s
        self.bucket = f"{prefix}_leases"
        self.holder = secrets.token_hex(8)
        self.held = False

    async def _bucket(self) -> object:
        js = self._client.jetstream()
        try:
            return await js.key_value(self.bucket)
        except BucketNotFoundError:
            return await js.create_key_value(bucket=self.bucket, ttl=self.ttl_s, history=1)

    async def run(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Forever: run ``job`` while this commander holds the lease, cancel it when not."""
        running: asyncio.Task[None] | None = None
        revision = 0
        try:
            while True:
                try:
                    kv = await self._bucket()
                    if self.held:
                        revision = await kv.update(self.name, self.holder.encode(),  # type: ignore[attr-defined]
                                                   last=revision)
                    else:
                        revision = await kv.create(self.name, self.holder.encode())  # type: ignore[attr-defined]
                        self.held = True
                        log.info("lease %s: this commander runs the singleton jobs", self.name)
                except KeyWrongLastSequenceError:
                    self._lost(running, "another commander holds it")
                    running = None
                except (NatsError, TimeoutError, OSError) as exc:
                    self._lost(running, f"NATS: {exc!r}")
                    running = None
                if self.held and running is None:
                    running = asyncio.create_task(job(), name=f"lease-{self.name}")
                await asyncio.sleep(self.ttl_s / 3)
        finally:
            if running is not None:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running

    def _lost(self, running: asyncio.Task[None] | None, why: str) -> None:
        if self.held:
            log.warning("lease %s lost (%s); its jobs stop here", self.name, why)
        self.held = False
        if running is not None:
            running.cancel()
