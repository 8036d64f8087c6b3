"""Dashboard pages: the CPU/GPU and ASIC indexes, rig and ASIC detail pages, chart series.

They read the farm aggregator (no per-view database scan); the live module keeps them current.
"""

from __future__ import annotations

import time
from typing import Any

from quart import redirect, render_template, request, url_for

from minerfarm.commander.dashboard.charts import RANGES, series
from minerfarm.commander.events import store as events
from minerfarm.commander.ingest import deadletter
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.state import commander_state

routes = Routes()


def live_context() -> dict[str, Any]:
    return {"offline_after_s": commander_state().settings.offline_after_s,
            "now_epoch": int(time.time())}


async def render_index(kind: str, error: str | None = None) -> str:
    template = "asics.html" if kind == "asic" else "rigs.html"
    farm = fragments.aggregator()
    engine = commander_state().engine
    dead = await deadletter.count(engine) if engine is not None else 0
    return await render_template(template, rows=await fragments.index_rows(farm, kind),
                                 farm=farm.totals(), error=error, dead_letters=dead,
                                 **live_context())


@routes.get("/")
async def index() -> str:
    return await render_index("cpu_gpu")


@routes.get("/asics")
async def asic_index() -> str:
    return await render_index("asic")


@routes.get("/rigs/<int:rig_id>")
async def rig_detail(rig_id: int) -> Any:
    return await render_rig(rig_id)


async def render_rig(rig_id: int, error: str | None = None, status: int = 200) -> Any:
    farm = fragments.aggregator()
    digest = farm.rigs.get(rig_id)
    if digest is None:
        return redirect(url_for("pages.index"))
    async with commander_state().db() as session:
        recent = await events.recent(session, rig_id)
    page = await render_template("rig.html", rig=digest, online=farm.is_online(digest),
                                 error=error, events=recent, **live_context())
    return page, status


@routes.get("/asics/<int:rig_id>/<identity>")
async def asic_detail(rig_id: int, identity: str) -> Any:
    farm = fragments.aggregator()
    digest = farm.rigs.get(rig_id)
    if digest is None or digest.kind != "asic":
        return redirect(url_for("pages.asic_index"))
    async with commander_state().db() as session:
        recent = await events.recent(session, rig_id, asic=identity)
    return await render_template("asic.html", rig=digest, asic=digest.asic(identity),
                                 identity=identity, online=farm.is_online(digest),
                                 events=recent, **live_context())


@routes.get("/rigs/<int:rig_id>/series")
async def rig_series(rig_id: int) -> Any:
    """Chart data from the rollups: ``?range=1h|24h|7d|30d`` and ``&asic=<identity>``."""
    range_name = request.args.get("range", "1h")
    if range_name not in RANGES:
        range_name = "1h"
    engine = commander_state().engine
    assert engine is not None
    return await series(engine, rig_id, request.args.get("asic", ""), range_name)
