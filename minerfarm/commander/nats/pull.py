"""Batches from the shared durable pull consumer, for little CPU per message.

nats-py's ``PullSubscription.fetch`` waits for each message of a batch in a task of its own
(``Subscription.next_msg``): measured 49 µs of CPU per message on the 2-core bench machine,
more than the rest of the drain together. :class:`Puller` sends the same pull requests
(``$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>``, JetStream's wire API) and collects what
arrives with a subscription callback: 15 µs per message, same server, same messages.

One request is out at a time, and each has a reply subject of its own (``<inbox>.<n>``), so
the status that ends one (404 no messages, 408 expired, 409 too many bytes) is never taken
for the end of another. Every delivered message is kept and handed out by a ``pull``: the
caller acks it after its commit, or JetStream delivers it again after ``ack_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

JS_API = "$JS.API"
GRACE_S = 2.0  # beyond a request's own expiry: a request lost with the connection ends


class Puller:
    def __init__(self, client: Client, stream: str, durable: str) -> None:
        self._client = client
        self._next = f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = client.new_inbox()
        self._sub: Subscription | None = None
        self._buffer: list[Msg] = []
        self._request = 0  # the request being waited on
        self._wanted = self._got = 0  # its messages: wanted, arrived
        self._ended = asyncio.Event()
        self._ended.set()  # no request yet

    async def start(self) -> None:
        # No limit on the subscription's own queue: nats-py would drop (not refuse) a message
        # past it; what arrives is bounded by the batches and bytes asked for.
        self._sub = await self._client.subscribe(f"{self._inbox}.*", cb=self._received,
                                                 pending_msgs_limit=-1, pending_bytes_limit=-1)

    async def pull(self, batch: int, max_bytes: int, wait_s: float) -> list[Msg]:
        """Up to ``batch`` messages (and about ``max_bytes``): what the consumer has now, or
        when it has nothing, what it has once a first message arrives within ``wait_s``.

        After a full batch the next one is asked for at once, so that it arrives while the
        caller writes this one to the database (the server and the database work on the other
        core meanwhile). Its messages wait here for the next ``pull``, their ``ack_wait``
        running, for as long as one batch's write."""
        await self._wait(GRACE_S)  # the batch asked for ahead, if any
        if len(self._buffer) < batch:
            await self._ask(batch - len(self._buffer), max_bytes)
            await self._wait(GRACE_S)
        if not self._buffer:  # none now: wait for one, then take what came with it
            await self._ask(1, max_bytes, wait_s=wait_s)
            await self._wait(wait_s + GRACE_S)
            if self._buffer:
                await self._ask(batch - len(self._buffer), max_bytes)
                await self._wait(GRACE_S)
        taken, self._buffer = self._buffer[:batch], self._buffer[batch:]
        if len(taken) == batch:
            await self._ask(batch, max_bytes)
        return taken

    async def _ask(self, batch: int, max_bytes: int, wait_s: float | None = None) -> None:
        """Send one request: without ``wait_s``, for what is there now (``no_wait``); with it,
        a request that waits that long for its messages. One is out at a time (``_wait``
        between), so every message that arrives belongs to the last one sent."""
        self._request += 1
        self._wanted, self._got = batch, 0
        self._ended.clear()
        request: dict[str, object] = {"batch": batch, "max_bytes": max_bytes}
        if wait_s is None:
            request["no_wait"] = True
        else:
            request["expires"] = int(wait_s * 1e9)
        await self._client.publish(self._next, orjson.dumps(request),
                                   reply=f"{self._inbox}.{self._request}")

    async def _wait(self, timeout_s: float) -> None:
        """Until the last request is answered; a request lost with the connection ends here."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._ended.wait()
        self._ended.set()

    async def _received(self, message: Msg) -> None:
        if not message.reply:  # a status: JetStream's messages always have an ack subject
            status = (message.header or {}).get("Status", "")
            # on the request's own reply subject (a late one, of a request given up, is not)
            if message.subject.endswith(f".{self._request}") and status != "100":
                self._ended.set()  # 404 none left, 408 expired, 409 max_bytes reached...
            return
        self._buffer.append(message)  # on its original subject: counted for the last request
        self._got += 1
        if self._got >= self._wanted:
            self._ended.set()

    async def stop(self) -> None:
        """Unsubscribe; what arrived and was not handed out goes back to the consumer at once
        (a nak), rather than after ``ack_wait``."""
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None
        buffered, self._buffer = self._buffer, []
        for message in buffered:
            await message.nak()


def stream_sequence(message: Msg) -> int:
    """The message's stream sequence, from its ack subject (``Msg.metadata`` builds a
    dataclass and a datetime for it: a third of a fetch's cost per message).

    ``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>...`` (9 tokens), or with a domain and
    account hash ``$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>...``."""
    tokens = message.reply.split(".")
    return int(tokens[5] if len(tokens) == 9 else tokens[7])
