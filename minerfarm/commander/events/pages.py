"""The events pages: a rig's (or one ASIC's) event log, filtered by kind with a plain GET form,
paged, and live (new events matching the filter are put at the top)."""

from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, redirect, render_template, request, url_for, websocket
from sqlalchemy import select

from minerfarm.commander import topics
from minerfarm.commander.db.models import RigEvent
from minerfarm.commander.errors import ApiError
from minerfarm.commander.events import store
from minerfarm.commander.events.api import parse_kinds
from minerfarm.commander.events.kinds import KINDS, kind_title, kind_tone
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.dashboard import live_context
from minerfarm.commander.pages.live import logged_in_only
from minerfarm.commander.pubsub import OVERFLOW
from minerfarm.commander.state import commander_state

event_pages = Blueprint("event_pages", __name__, template_folder="templates")
event_pages.add_app_template_filter(kind_title, "event_title")
event_pages.add_app_template_filter(kind_tone, "event_tone")
PAGE = 50
LIST = "events/_list.html"


def _kind() -> str:
    text = request.args.get("kind", "").strip()
    return text if text in KINDS else ""  # a mangled link shows every kind


async def _render(rig_id: int, asic: str | None, title: str, back: str, live_url: str) -> Any:
    kind = _kind()
    try:
        before = store.Cursor.parse(request.args["before"]) if request.args.get("before") \
            else None
    except store.BadCursor:
        before = None
    async with commander_state().db() as session:
        found, cursor = await store.page(session, rig_id, PAGE, kinds=[kind] if kind else None,
                                         asic=asic, before=before)
    next_url = None
    if cursor is not None:
        values = {**(request.view_args or {}), **request.args, "before": str(cursor)}
        next_url = url_for(request.endpoint or "event_pages.rig_events", **values)
    return await render_template(
        "events/events.html", title=title, back=back, events=found, kinds=KINDS.values(),
        kind=kind, next_url=next_url, live_url=live_url,
        retention_days=commander_state().settings.event_retention_days, **live_context())


@event_pages.get("/rigs/<int:rig_id>/events")
async def rig_events(rig_id: int) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None:
        return redirect(url_for("pages.index"))
    live_url = url_for("event_pages.live_events", rig_id=rig_id, kind=_kind() or None)
    return await _render(rig_id, None, digest.name, url_for("pages.rig_detail", rig_id=rig_id),
                         live_url)


@event_pages.get("/asics/<int:rig_id>/<identity>/events")
async def asic_events(rig_id: int, identity: str) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None or digest.kind != "asic":
        return redirect(url_for("pages.asic_index"))
    asic = digest.asic(identity)
    title = f"{asic.get('ip') if asic else identity} on {digest.name}"
    live_url = url_for("event_pages.live_events", rig_id=rig_id, kind=_kind() or None,
                       asic=identity)
    return await _render(rig_id, identity, title,
                         url_for("pages.asic_detail", rig_id=rig_id, identity=identity),
                         live_url)


@event_pages.websocket("/live/events/<int:rig_id>")
async def live_events(rig_id: int) -> None:
    """New events of the rig matching ``?kind=`` and ``?asic=``, as rows for the top."""
    try:
        kinds = parse_kinds(websocket.args.get("kind"))
    except ApiError:
        kinds = None
    asic = websocket.args.get("asic") or None
    await logged_in_only(_serve_events(rig_id, kinds, asic))


async def _serve_events(rig_id: int, kinds: list[str] | None, asic: str | None) -> None:
    state = commander_state()
    async with state.pubsub.subscribe([topics.rig_events(rig_id)],
                                      maxsize=state.settings.live_queue) as sub:
        await websocket.accept()
        async for message in sub:
            batch = [message, *sub.drain()]
            if OVERFLOW in batch:
                await websocket.send(orjson.dumps({"ops": [{"op": "reload"}]}).decode())
                continue
            ids = [m.data["event_id"] for m in batch
                   if (kinds is None or m.data.get("kind") in kinds)
                   and (asic is None or m.data.get("asic") == asic)]
            if not ids:
                continue
            async with state.db() as session:
                rows = list(await session.scalars(
                    select(RigEvent).where(RigEvent.id.in_(ids)).order_by(RigEvent.id)))
            ops: list[dict[str, Any]] = [{"op": "remove", "id": "no-events"}]
            for row in rows:
                html = await fragments.macro(LIST, "event_item", row)
                ops.append({"op": "replace", "id": f"event-{row.id}", "into": "events-list",
                            "at": "start", "html": html})
            await websocket.send(orjson.dumps({"ops": ops}).decode())
