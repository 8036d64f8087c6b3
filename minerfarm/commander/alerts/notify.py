"""Notifications through apprise: one outbox per channel, grouped, retried, never blocking.

The engine calls :meth:`Notifier.enqueue` (synchronous, never waits). Each channel has a
worker task with a bounded outbox: it sends at most one message per ``window_s``, and what
queued up meanwhile goes as one grouped message (a dead switch takes 500 ASICs offline: one
message per channel, not 500). apprise is blocking, so each delivery runs in a thread; a failed
one is retried with doubling waits, and the channel's next alerts queue behind it. Nothing here
can slow the ingest path: it only reads the queue the engine fills.

Durable: the engine writes each notification to the ``alert_outbox`` table in the transaction
that stores its alert change, and passes the row ids here; once a message is delivered, or
every retry failed, ``settle`` deletes its rows. At start (and on a new leader) the engine
queues the rows left: a killed commander's pending notifications are sent, at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import orjson

log = logging.getLogger(__name__)
OUTBOX_MAX = 5000  # per channel; past it the oldest are dropped (and counted in the message)
LINGER_S = 0.5  # after the first alert, wait this long: one tick's alerts go together
ATTEMPTS = 6  # deliveries of one message (waits 1, 2, 4, 8, 16 s between them)
LINES_MAX = 50  # alerts named one by one in a grouped message; the rest are counted
Send = Callable[[str, str, str], "str | None"]  # (url, title, body) -> error or None
Settle = Callable[[list[int]], Awaitable[None]]  # outbox row ids that need no more sending


@dataclass(frozen=True)
class Notification:
    state: str  # "firing" | "resolved" | "test"
    rule: str
    rig: str
    value: str
    at: datetime
    asic_ip: str | None = None
    asic_model: str | None = None

    def where(self) -> str:
        if self.asic_ip is None:
            return self.rig
        model = f" {self.asic_model}" if self.asic_model else ""
        return f"{self.rig} ASIC {self.asic_ip}{model}"

    def line(self) -> str:
        word = {"firing": "FIRING", "resolved": "RESOLVED"}.get(self.state, self.state.upper())
        return f"{word}: {self.rule} on {self.where()}: {self.value}"

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> Notification:
        data: dict[str, Any] = orjson.loads(text)
        data["at"] = datetime.fromisoformat(data["at"])
        return cls(**data)


def render(farm: str, items: list[Notification], dropped: int = 0) -> tuple[str, str]:
    """(title, body) of one message for one or many notifications."""
    if len(items) == 1 and not dropped:
        item = items[0]
        return f"[{farm}] {item.line()}", f"{item.line()}\nat {item.at:%Y-%m-%d %H:%M:%S} UTC"
    firing = sum(1 for i in items if i.state == "firing")
    title = f"[{farm}] {len(items) + dropped} alerts ({firing} firing, " \
            f"{len(items) - firing} resolved)"
    lines = [i.line() for i in items[:LINES_MAX]]
    more = len(items) - LINES_MAX + dropped
    if more > 0:
        lines.append(f"… and {more} more (see the Alerts page)")
    return title, "\n".join(lines)


def apprise_send(url: str, title: str, body: str) -> str | None:
    """Blocking: deliver one message; None when sent, else what apprise said went wrong."""
    import apprise  # loads its ~200 plugins (about half a second): on first use, in a thread

    sender = apprise.Apprise()
    if not sender.add(url):
        return "not a notification URL apprise understands"
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        sent = sender.notify(title=title, body=body)
    if sent:
        return None
    said = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    return (said[-1] if said else "delivery failed")[:500]


def describe_url(url: str) -> tuple[str, str] | None:
    """(service name, URL with its secrets masked), or None when apprise does not know it."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return None
    return str(plugin.service_name), str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]


@dataclass
class _Outbox:
    url: str
    items: deque[tuple[int | None, Notification]] = field(
        default_factory=lambda: deque(maxlen=OUTBOX_MAX))  # (outbox row id, notification)
    dropped: int = 0
    dropped_rows: list[int] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Notifier:
    def __init__(self, farm: str, window_s: float, send: Send = apprise_send,
                 settle: Settle | None = None) -> None:
        self.farm, self.window_s, self.send, self.settle = farm, window_s, send, settle
        self._outboxes: dict[int, _Outbox] = {}
        self.sent = 0
        self.failed = 0

    def set_channels(self, urls: dict[int, str]) -> None:
        """The channels that exist now (id -> apprise URL); removed ones stop."""
        for channel_id in list(self._outboxes):
            if channel_id not in urls:
                box = self._outboxes.pop(channel_id)
                if box.task is not None:
                    box.task.cancel()
        for channel_id, url in urls.items():
            known = self._outboxes.get(channel_id)
            if known is None:
                self._outboxes[channel_id] = _Outbox(url)
            else:
                known.url = url

    def enqueue(self, channel_ids: list[int], item: Notification,
                rows: dict[int, int] | None = None) -> None:
        """Queue ``item`` on each channel; ``rows``: its outbox row id per channel."""
        for channel_id in channel_ids:
            box = self._outboxes.get(channel_id)
            if box is None:
                continue
            if len(box.items) == box.items.maxlen:
                box.dropped += 1
                oldest = box.items[0][0]
                if oldest is not None:
                    box.dropped_rows.append(oldest)
            box.items.append(((rows or {}).get(channel_id), item))
            if box.task is None or box.task.done():
                box.task = asyncio.create_task(self._run(box), name=f"notify-{channel_id}")
            box.wake.set()

    async def _run(self, box: _Outbox) -> None:
        next_at = 0.0
        while True:
            await box.wake.wait()
            box.wake.clear()
            await asyncio.sleep(max(LINGER_S, next_at - time.monotonic()))
            pending, dropped, rows = list(box.items), box.dropped, box.dropped_rows
            box.items.clear()
            box.dropped, box.dropped_rows = 0, []
            if not pending:
                continue
            next_at = time.monotonic() + self.window_s
            await self._deliver(box.url, *render(self.farm, [i for _, i in pending], dropped))
            await self._settle(rows + [row for row, _ in pending if row is not None])

    async def _settle(self, rows: list[int]) -> None:
        if not rows or self.settle is None:
            return
        for attempt in range(ATTEMPTS):
            try:
                await self.settle(rows)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the rows are sent again later
                log.warning("alerts: could not clear %d sent notifications from the outbox "
                            "(try %d of %d): %s", len(rows), attempt + 1, ATTEMPTS, exc)
                await asyncio.sleep(2.0 ** attempt)

    async def _deliver(self, url: str, title: str, body: str) -> None:
        for attempt in range(ATTEMPTS):
            try:
                error = await asyncio.to_thread(self.send, url, title, body)
            except Exception as exc:  # a plugin's own bug must not end the channel's worker
                error = f"{type(exc).__name__}: {exc}"
            if error is None:
                self.sent += 1
                return
            log.warning("alerts: notification %r not delivered (try %d of %d): %s",
                        title, attempt + 1, ATTEMPTS, error)
            if attempt + 1 < ATTEMPTS:
                await asyncio.sleep(2.0 ** attempt)
        self.failed += 1
        log.error("alerts: notification %r dropped after %d tries", title, ATTEMPTS)

    async def test(self, url: str, item: Notification) -> str | None:
        """Send one test message now (no grouping, no retry): None, or the channel's error."""
        try:
            return await asyncio.to_thread(self.send, url, *render(self.farm, [item]))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    async def close(self) -> None:
        tasks = [box.task for box in self._outboxes.values() if box.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._outboxes.clear()
