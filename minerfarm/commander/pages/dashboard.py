"""Dashboard pages: the CPU/GPU and ASIC indexes, rig and ASIC detail pages, chart series.

They read the farm aggregator (no per-view database scan); the live module keeps them current.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from quart import render_template, request

from minerfarm.commander.actions.panel import action_panel
from minerfarm.commander.dashboard.charts import RANGES, series
from minerfarm.commander.dashboard.index_query import SORTS, STATES, IndexQuery, index_view
from minerfarm.commander.events import store as events
from minerfarm.commander.ingest import deadletter
from minerfarm.commander.pages import fragments, gone
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.state import commander_state

routes = Routes()


def live_context() -> dict[str, Any]:
    return {"offline_after_s": commander_state().settings.offline_after_s,
            "now_epoch": int(time.time())}


# What ?deleted=N after a bulk delete says: a number only, so a link cannot put words on it.
def _done_notice() -> str | None:
    text = request.args.get("deleted", "")
    if not text.isdigit() or len(text) > 9:
        return None
    count = int(text)
    return f"Deleted {count} rig{'s' if count != 1 else ''}."


async def render_index(kind: str, error: str | None = None,
                       action_results: list[dict[str, Any]] | None = None) -> str:
    farm = fragments.aggregator()
    engine = commander_state().engine
    dead = await deadletter.count(engine) if engine is not None else 0
    if kind == "asic":
        return await render_template(
            "asics.html", rows=await fragments.index_rows(farm, farm.of_kind(kind)),
            farm=farm.totals(), error=error, dead_letters=dead, **live_context())
    query = IndexQuery.parse(request.args)
    view = index_view(farm, kind, query, datetime.now(UTC))
    return await render_template(
        "rigs.html", rows=await fragments.index_rows(farm, view.rows), view=view, query=query,
        states=STATES, sorts=SORTS, farm=farm.totals(), error=error or query.problem or None,
        notice=_done_notice(), dead_letters=dead,
        action_results=action_results, **live_context())


@routes.get("/")
async def index() -> str:
    return await render_index("cpu_gpu")


@routes.get("/asics")
async def asic_index() -> str:
    return await render_index("asic")


@routes.get("/rigs/<int:rig_id>")
async def rig_detail(rig_id: int) -> Any:
    return await render_rig(rig_id)


async def render_rig(rig_id: int, error: str | None = None, status: int = 200, *,
                     action_notice: str | None = None, action_error: str | None = None,
                     **typed: str) -> Any:
    """``typed``: what a refused form had in it, shown again (``tags_typed``)."""
    farm = fragments.aggregator()
    digest = farm.rigs.get(rig_id)
    if digest is None:
        return await gone.rig_gone(rig_id)
    panel = await action_panel(rig_id) if digest.kind == "cpu_gpu" else None
    async with commander_state().db() as session:
        after = await events.newest_id(session)  # first: where the page's socket catches up
        recent = await events.recent(session, rig_id)
    page = await render_template("rig.html", rig=digest, online=farm.is_online(digest),
                                 error=error, panel=panel, action_notice=action_notice,
                                 action_error=action_error, events=recent, events_after=after,
                                 **typed, **live_context())
    return page, status


@routes.get("/asics/<int:rig_id>/<identity>")
async def asic_detail(rig_id: int, identity: str) -> Any:
    farm = fragments.aggregator()
    digest = farm.rigs.get(rig_id)
    if digest is None or digest.kind != "asic":
        return await gone.rig_gone(rig_id, "asic")
    async with commander_state().db() as session:
        after = await events.newest_id(session)
        recent = await events.recent(session, rig_id, asic=identity)
    return await render_template("asic.html", rig=digest, asic=digest.asic(identity),
                                 identity=identity, online=farm.is_online(digest),
                                 events=recent, events_after=after, **live_context())


@routes.get("/rigs/<int:rig_id>/series")
async def rig_series(rig_id: int) -> Any:
    """Chart data from the rollups: ``?range=1h|24h|7d|30d`` and ``&asic=<identity>``."""
    range_name = request.args.get("range", "1h")
    if range_name not in RANGES:
        range_name = "1h"
    engine = commander_state().engine
    assert engine is not None
    return await series(engine, rig_id, request.args.get("asic", ""), range_name)
