"""The index pages' websocket: a report reaches only the pages that show its row on screen;
rigs renamed, retagged or deleted reach the pages that show them, and a new rig the pages whose
filters it matches while their (last) page has room; the counts follow once a second.

The CPU/GPU index is filtered, sorted and paged (:mod:`~.dashboard.index_query`): its socket
is opened with the page's own query parameters and starts with that page's rows.

A 10,000-rig farm reports ~1,000 times a second; sending every row to every open index page
would cost each page ~700 KB/s, and waking every page for every report costs the commander a
core. The page's script says which rows are on screen (``{"visible": [ids]}``, after each
scroll); the socket then subscribes to those rigs' own topics only (until the page says, to
every report of the kind). Rows that come into view are sent at once from the cache; the farm
totals follow once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import orjson
from quart import websocket

from minerfarm.commander import topics
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.index_query import IndexQuery, index_view
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.live import FRAME_INTERVAL_S, Op, logged_in_only, touched
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.pubsub import OVERFLOW, Message, PubSub
from minerfarm.commander.state import commander_state

routes = Routes()

MAX_VISIBLE = 5000  # ids a page may name: bounds what one socket holds
TOTALS_EVERY_S = 1.0


def _event(event: str, data: dict[str, Any] | None = None) -> Message:
    return Message(topic="", event=event, data=data or {})


class IndexPage:
    def __init__(self, farm: FarmAggregator, pubsub: PubSub, kind: str, limit: int,
                 query: IndexQuery | None = None) -> None:
        self.farm, self.pubsub, self.kind, self.query = farm, pubsub, kind, query
        # The rows the page was rendered with (None: every rig of the kind, the ASIC index).
        self.page_ids: set[int] | None = None
        self.room = 0  # rigs a new one may still join the page by
        self.cache = fragments.cache_of()
        self.container = "sentries" if kind == "asic" else "rig-rows"
        self.prefix = "sentry" if kind == "asic" else "rig"
        self.visible: set[int] | None = None  # None: the page has not said; every row
        self.inbox: asyncio.Queue[Message] = asyncio.Queue(limit)
        self.totals_sent = -1
        self.joined: set[int] = set()  # rigs that joined the page since its last render
        self._stats: tuple[contextlib.AsyncExitStack, asyncio.Task[None]] | None = None

    # -- inputs: subscriptions, the page's viewport, the totals clock -----------------------
    def offer(self, message: Message) -> None:
        try:
            self.inbox.put_nowait(message)
        except asyncio.QueueFull:  # the page fell behind: it reloads
            self.inbox.get_nowait()
            with contextlib.suppress(asyncio.QueueFull):
                self.inbox.put_nowait(OVERFLOW)

    async def forward(self, subscription: Any) -> None:
        async for message in subscription:
            self.offer(message)

    async def follow_stats(self) -> None:
        """(Re)subscribe to the visible rigs' reports; the new subscription opens before the
        old one closes, so a row that stays on screen misses nothing."""
        shown = self.visible if self.visible is not None else self.page_ids
        names = ([topics.operational_stats(self.kind)] if shown is None else
                 [topics.rig_operational_stats(self.kind, i) for i in sorted(shown)])
        stack = contextlib.AsyncExitStack()
        subscription = await stack.enter_async_context(self.pubsub.subscribe(names))
        old, self._stats = self._stats, (stack, asyncio.create_task(self.forward(subscription)))
        if old is not None:
            await _stop(old)

    async def follow_viewport(self) -> None:
        while True:
            try:
                ids = {int(i) for i in orjson.loads(await websocket.receive())["visible"]}
            except (ValueError, KeyError, TypeError):
                continue
            shown = (self.visible if self.visible is not None else
                     self.page_ids if self.page_ids is not None else set(self.farm.rigs))
            self.visible = set(sorted(ids)[:MAX_VISIBLE])
            await self.follow_stats()
            self.offer(_event("viewport", {"ids": sorted(self.visible - shown)}))

    async def tick(self) -> None:
        while True:
            await asyncio.sleep(TOTALS_EVERY_S)
            if self.farm.totals_version != self.totals_sent:
                self.offer(_event("totals"))

    # -- output ----------------------------------------------------------------------------
    async def row(self, rig_id: int, now: datetime) -> Op:
        digest = self.farm.rigs.get(rig_id)
        if digest is None:
            fragments.forget(self.cache, rig_id)
            return {"op": "remove", "id": f"{self.prefix}-{rig_id}"}
        return {"op": "replace", "id": f"{self.prefix}-{rig_id}", "into": self.container,
                "html": await fragments.index_row(self.farm, self.cache, digest, now)}

    def open_page(self) -> None:
        """The rows the page came with: its query's page, as rendered a moment ago."""
        if self.query is None:
            return
        view = index_view(self.farm, self.kind, self.query, datetime.now(UTC))
        self.page_ids = {d.id for d in view.rows}
        self.room = self.query.per - len(view.rows) if view.page == view.pages else 0

    def structural(self, message: Message, now: datetime) -> bool:
        """Whether a rig's appearing, renaming or deletion concerns this page."""
        rig_id = message.data.get("id")
        if self.page_ids is None or message.event == "deleted" or rig_id in self.page_ids:
            return True
        digest = self.farm.rigs.get(rig_id) if isinstance(rig_id, int) else None
        if (message.event == "created" and self.room > 0 and digest is not None
                and self.query is not None and self.query.wants(self.farm, digest, now)):
            self.room -= 1
            self.page_ids.add(digest.id)
            self.joined.add(digest.id)
            return True
        return False

    def shows(self, rig_id: int) -> bool:
        if self.visible is not None:
            return rig_id in self.visible
        return self.page_ids is None or rig_id in self.page_ids

    async def render(self, batch: list[Message]) -> list[Op]:
        index_topic = topics.rig_index(self.kind)
        now = datetime.now(UTC)
        always = {m.data.get("id") for m in batch
                  if m.topic == index_topic and self.structural(m, now)}
        ids = touched([m for m in batch if m.topic])
        ids += [i for m in batch if m.event == "viewport" for i in m.data["ids"]]
        if self.joined:  # a new row on this page: follow its reports at once (before the
            # page's script has told which rows are on screen, its first report may come)
            if self.visible is not None:
                self.visible |= self.joined
            self.joined = set()
            await self.follow_stats()
        ops: list[Op] = [{"op": "remove", "id": "no-rigs"}] if always else []
        for rig_id in dict.fromkeys(ids):
            if rig_id in always or self.shows(rig_id):
                ops.append(await self.row(rig_id, now))
        # The totals and counts follow once a second (the clock's "totals"), or at once when
        # rigs come, go or come into view: not in every frame, where they were most of the
        # bytes sent and re-rendered for nearly every report.
        if always or any(m.event in ("totals", "viewport") for m in batch):
            self.totals_sent = self.farm.totals_version
            totals = await fragments.totals(self.farm, self.cache)
            ops.append({"op": "replace", "id": "totals", "html": totals})
            if self.query is not None:
                counts = await fragments.index_counts(self.farm, self.cache, self.kind,
                                                      self.query)
                ops.append({"op": "replace", "id": "index-counts", "html": counts})
        return ops

    async def serve(self) -> None:
        async with self.pubsub.subscribe([topics.rig_index(self.kind)]) as structure:
            self.open_page()
            await self.follow_stats()
            await websocket.accept()  # subscribed first: once "open", the page misses nothing
            self.totals_sent = self.farm.totals_version  # the page came with these
            tasks = [asyncio.create_task(job) for job in (
                self.forward(structure), self.follow_viewport(), self.tick())]
            try:
                while True:
                    batch = [await self.inbox.get()]
                    while not self.inbox.empty():
                        batch.append(self.inbox.get_nowait())
                    ops = [{"op": "reload"}] if OVERFLOW in batch else await self.render(batch)
                    if ops:  # e.g. a report of a row that just left the screen: nothing
                        await websocket.send(orjson.dumps({"ops": ops}).decode())
                    await asyncio.sleep(FRAME_INTERVAL_S)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if self._stats is not None:
                    await _stop(self._stats)


async def _stop(stats: tuple[contextlib.AsyncExitStack, asyncio.Task[None]]) -> None:
    stack, task = stats
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await stack.aclose()


@routes.websocket("/live/index/<kind>")
async def live_index(kind: str) -> None:
    if kind not in ("cpu_gpu", "asic"):
        return
    state = commander_state()
    query = IndexQuery.parse(websocket.args) if kind == "cpu_gpu" else None
    page = IndexPage(fragments.aggregator(), state.pubsub, kind, state.settings.live_queue,
                     query)
    await logged_in_only(page.serve())
