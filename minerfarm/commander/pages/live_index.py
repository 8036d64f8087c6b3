"""The index pages' websocket: rigs appearing, renamed or deleted reach every index page; a
report reaches only the pages that show its row on screen.

A 10,000-rig farm reports ~1,000 times a second; sending every row to every open index page
would cost each page ~700 KB/s. The page's script tells which rows are on screen
(``{"visible": [ids]}``, after each scroll); until it does, every row is sent. Rows that come
into view are sent at once, from the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import orjson
from quart import websocket

from minerfarm.commander import topics
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.live import Op, observe, serve
from minerfarm.commander.pages.views import pages
from minerfarm.commander.pubsub import Message

MAX_VISIBLE = 5000  # ids a page may name: bounds what one socket holds


class IndexPage:
    def __init__(self, farm: FarmAggregator, kind: str) -> None:
        self.farm, self.kind = farm, kind
        self.container = "sentries" if kind == "asic" else "rig-rows"
        self.prefix = "sentry" if kind == "asic" else "rig"
        self.visible: set[int] | None = None  # None: the page has not said; send every row

    async def row(self, rig_id: int, now: datetime) -> Op:
        digest = self.farm.rigs.get(rig_id)
        if digest is None:
            fragments.forget(self.farm, rig_id)
            return {"op": "remove", "id": f"{self.prefix}-{rig_id}"}
        return {"op": "replace", "id": f"{self.prefix}-{rig_id}", "into": self.container,
                "html": await fragments.index_row(self.farm, digest, now)}

    async def render(self, batch: list[Message]) -> list[Op]:
        index_topic = topics.rig_index(self.kind)
        always = {m.data.get("id") for m in batch if m.topic == index_topic}
        ops: list[Op] = [{"op": "remove", "id": "no-rigs"}]
        now = datetime.now(UTC)
        for rig_id in observe(self.farm, batch):
            if rig_id in always or self.visible is None or rig_id in self.visible:
                ops.append(await self.row(rig_id, now))
        ops.append({"op": "replace", "id": "totals", "html": await fragments.totals(self.farm)})
        return ops

    async def follow_viewport(self) -> None:
        """Read the page's ``{"visible": [...]}`` messages; send rows that came into view."""
        while True:
            try:
                ids = {int(i) for i in orjson.loads(await websocket.receive())["visible"]}
            except (ValueError, KeyError, TypeError):
                continue
            ids = set(sorted(ids)[:MAX_VISIBLE])
            shown = self.visible if self.visible is not None else set(self.farm.rigs)
            self.visible = ids
            now = datetime.now(UTC)
            ops = [await self.row(i, now) for i in sorted(ids - shown) if i in self.farm.rigs]
            if ops:
                await websocket.send(orjson.dumps({"ops": ops}).decode())


@pages.websocket("/live/index/<kind>")
async def live_index(kind: str) -> None:
    if kind not in ("cpu_gpu", "asic"):
        return
    page = IndexPage(fragments.aggregator(), kind)
    tasks: list[asyncio.Task[None]] = []

    async def on_open() -> None:
        tasks.append(asyncio.create_task(page.follow_viewport()))

    try:
        await serve([topics.rig_index(kind), topics.operational_stats(kind)], page.render,
                    on_open)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
