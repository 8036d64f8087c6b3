"""Pub/sub across commanders on one NATS subject, behind the :class:`PubSub` interface.

A message is delivered to this commander's own observers and subscribers at once (as the
in-process bus does: a rename's redirect already sees the new name), and published on
``<prefix>.bus`` for the others, which skip their own messages by origin. One subject for
every topic keeps a commander's messages in the order it published them (the dashboard
model relies on the farm-wide topic arriving before a rig's own).

A message larger than the server's ``max_payload`` (an ASIC sentry's report of thousands of
ASICs) travels in parts, reassembled in order (NATS keeps one publisher's order).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.errors import Error as NatsError

from minerfarm.commander.pubsub import InProcessPubSub, Observer, Subscription

log = logging.getLogger(__name__)
HEADROOM = 512


class NatsPubSub:
    def __init__(self, client: Client, prefix: str = "minerfarm") -> None:
        self._client, self.subject = client, f"{prefix}.bus"
        self._local = InProcessPubSub()
        self.origin = secrets.token_hex(8)
        self._sub: NatsSubscription | None = None
        self._parts: dict[str, list[bytes]] = {}

    async def start(self) -> None:
        self._sub = await self._client.subscribe(self.subject, cb=self._received)

    async def publish(self, topic: str, event: str, data: dict[str, Any]) -> None:
        await self._local.publish(topic, event, data)
        body = orjson.dumps({"t": topic, "e": event, "d": data})
        limit = max(1024, self._client.max_payload - HEADROOM)
        try:
            if len(body) <= limit:
                await self._client.publish(self.subject, body, headers={"Mf-Origin": self.origin})
                return
            message_id = secrets.token_hex(8)
            chunks = [body[i:i + limit] for i in range(0, len(body), limit)]
            for n, chunk in enumerate(chunks, 1):
                await self._client.publish(self.subject, chunk, headers={
                    "Mf-Origin": self.origin, "Mf-Part": f"{message_id} {n} {len(chunks)}"})
        except NatsError as exc:
            # The other commanders miss this update; their pages catch up with the next one.
            log.warning("pub/sub: %s %s not sent to the other commanders (%s)", topic, event, exc)

    async def _received(self, message: Msg) -> None:
        headers = message.header or {}
        if headers.get("Mf-Origin") == self.origin:
            return
        body = message.data
        part = headers.get("Mf-Part")
        if part is not None:
            key, n, total = part.split()
            key = f"{headers.get('Mf-Origin')}:{key}"
            chunks = self._parts.setdefault(key, [])
            if int(n) != len(chunks) + 1:  # a part was lost: drop the message
                self._parts.pop(key, None)
                return
            chunks.append(body)
            if int(n) < int(total):
                return
            body = b"".join(self._parts.pop(key))
        try:
            decoded = orjson.loads(body)
            topic, event, data = decoded["t"], decoded["e"], decoded["d"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("pub/sub: an unreadable message on %s was skipped", self.subject)
            return
        await self._local.publish(topic, event, data)

    def subscribe(self, topics: Iterable[str],
                  maxsize: int = 256) -> contextlib.AbstractAsyncContextManager[Subscription]:
        return self._local.subscribe(topics, maxsize)

    def observe(self, topics: Iterable[str], observer: Observer) -> None:
        self._local.observe(topics, observer)

    def subscriber_count(self, topic: str) -> int:
        return self._local.subscriber_count(topic)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(NatsError):
                await self._sub.unsubscribe()
            self._sub = None
        await self._local.close()


