"""Publish/subscribe between the ingest consumer, the API and the live pages.

:class:`PubSub` is the interface a NATS backend implements for several commanders;
:class:`InProcessPubSub` serves one process. Each subscriber gets its own bounded queue: a
slow browser cannot grow memory; when its queue overflows the oldest message is dropped and
the subscriber receives an ``overflow`` message, so the page reloads its state instead of
showing figures that silently missed an update.

An *observer* (:meth:`PubSub.observe`) is called with each message of its topics before any
subscriber is offered it: the dashboard model follows the bus this way, so a page that wakes
for a message reads a model that already includes it (and never has to apply it itself).
An observer is synchronous and must be cheap; one that raises is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    topic: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)


OVERFLOW = Message(topic="", event="overflow")
Observer = Callable[[Message], object]
log = logging.getLogger(__name__)


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[Message]: ...

    def drain(self) -> list[Message]:
        """The messages already queued, without waiting (a consumer that renders one update
        for many messages wakes once per batch instead of once per message)."""
        ...


class PubSub(Protocol):
    async def publish(self, topic: str, event: str, data: dict[str, Any]) -> None: ...

    def subscribe(
        self, topics: Iterable[str], maxsize: int = 256
    ) -> contextlib.AbstractAsyncContextManager[Subscription]: ...

    def observe(self, topics: Iterable[str], observer: Observer) -> None:
        """Call ``observer(message)`` for each message of ``topics``, before subscribers."""
        ...

    async def close(self) -> None: ...


class _QueueSubscription:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize)

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.queue.get_nowait()  # make room: drop the oldest, then say so
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(OVERFLOW)

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            yield await self.queue.get()

    def drain(self) -> list[Message]:
        messages = []
        while not self.queue.empty():
            messages.append(self.queue.get_nowait())
        return messages


class InProcessPubSub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[_QueueSubscription]] = {}
        self._observers: dict[str, list[Observer]] = {}

    async def publish(self, topic: str, event: str, data: dict[str, Any]) -> None:
        message = Message(topic, event, data)
        for observer in self._observers.get(topic, ()):
            notify(observer, message)
        for subscriber in tuple(self._subscribers.get(topic, ())):
            subscriber.offer(message)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, topics: Iterable[str], maxsize: int = 256
    ) -> AsyncIterator[Subscription]:
        subscription = _QueueSubscription(maxsize)
        names = list(topics)
        for name in names:
            self._subscribers.setdefault(name, set()).add(subscription)
        try:
            yield subscription
        finally:
            for name in names:
                subscribers = self._subscribers.get(name)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._subscribers[name]

    def observe(self, topics: Iterable[str], observer: Observer) -> None:
        for name in topics:
            self._observers.setdefault(name, []).append(observer)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    async def close(self) -> None:
        self._subscribers.clear()
        self._observers.clear()


def notify(observer: Observer, message: Message) -> None:
    """Call one observer; a failure is logged, never passed to the publisher."""
    try:
        observer(message)
    except Exception:  # one odd message must not stop ingest or the other observers
        log.exception("pub/sub observer failed on %s %s", message.topic, message.event)
