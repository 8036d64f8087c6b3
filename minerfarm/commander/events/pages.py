"""The events pages: a rig's (or one ASIC's) event log, filtered by kind with a plain GET form,
paged, and live (new events matching the filter are put at the top)."""

from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, redirect, render_template, request, url_for, websocket
from sqlalchemy import select

from minerfarm.commander import topics
from minerfarm.commander.api.ids import query_id
from minerfarm.commander.db.models import RigEvent
from minerfarm.commander.errors import ApiError
from minerfarm.commander.events import store
from minerfarm.commander.events.api import parse_kinds
from minerfarm.commander.events.kinds import KINDS, kind_title, kind_tone
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.dashboard import live_context
from minerfarm.commander.pages.live import serve
from minerfarm.commander.pubsub import Message
from minerfarm.commander.state import commander_state

event_pages = Blueprint("event_pages", __name__, template_folder="templates")
event_pages.add_app_template_filter(kind_title, "event_title")
event_pages.add_app_template_filter(kind_tone, "event_tone")
PAGE = 50
LIST = "events/_list.html"


def _kind() -> str:
    text = request.args.get("kind", "").strip()
    return text if text in KINDS else ""  # a mangled link shows every kind


async def _render(rig_id: int, asic: str | None, title: str, back: str) -> Any:
    kind = _kind()
    try:
        before = store.Cursor.parse(request.args["before"]) if request.args.get("before") \
            else None
    except store.BadCursor:
        before = None
    async with commander_state().db() as session:
        # Taken first: an event written after it is on the page or sent by its socket (both,
        # at worst, and the item is replaced by its id), never neither.
        after = await store.newest_id(session)
        found, cursor = await store.page(session, rig_id, PAGE, kinds=[kind] if kind else None,
                                         asic=asic, before=before)
    next_url = None
    if cursor is not None:
        values = {**(request.view_args or {}), **request.args, "before": str(cursor)}
        next_url = url_for(request.endpoint or "event_pages.rig_events", **values)
    live_url = url_for("event_pages.live_events", rig_id=rig_id, kind=kind or None, asic=asic,
                       after=after)
    return await render_template(
        "events/events.html", title=title, back=back, events=found, kinds=KINDS.values(),
        kind=kind, next_url=next_url, live_url=live_url,
        retention_days=commander_state().settings.event_retention_days, **live_context())


@event_pages.get("/rigs/<int:rig_id>/events")
async def rig_events(rig_id: int) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None:
        return redirect(url_for("pages.index"))
    return await _render(rig_id, None, digest.name, url_for("pages.rig_detail", rig_id=rig_id))


@event_pages.get("/asics/<int:rig_id>/<identity>/events")
async def asic_events(rig_id: int, identity: str) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None or digest.kind != "asic":
        return redirect(url_for("pages.asic_index"))
    asic = digest.asic(identity)
    title = f"{asic.get('ip') if asic else identity} on {digest.name}"
    return await _render(rig_id, identity, title,
                         url_for("pages.asic_detail", rig_id=rig_id, identity=identity))


@event_pages.websocket("/live/events/<int:rig_id>")
async def live_events(rig_id: int) -> None:
    """New events of the rig matching ``?kind=`` and ``?asic=``, as rows for the top; first
    those written since ``?after=`` (the newest event id when the page was rendered)."""
    try:
        kinds = parse_kinds(websocket.args.get("kind"))
    except ApiError:
        kinds = None
    asic = websocket.args.get("asic") or None
    after = query_id(websocket.args)
    state = commander_state()

    async def catch_up() -> None:
        if after is None:
            return
        async with state.db() as session:
            missed = await store.since(session, rig_id, after, PAGE, kinds=kinds, asic=asic)
        if missed:
            await websocket.send(orjson.dumps({"ops": await _items(missed)}).decode())

    async def render(batch: list[Message]) -> list[dict[str, Any]]:
        ids = [m.data["event_id"] for m in batch
               if (kinds is None or m.data.get("kind") in kinds)
               and (asic is None or m.data.get("asic") == asic)]
        if not ids:
            return []
        async with state.db() as session:
            rows = list(await session.scalars(
                select(RigEvent).where(RigEvent.id.in_(ids)).order_by(RigEvent.id)))
        return await _items(rows)

    await serve([topics.rig_events(rig_id)], render, catch_up)


async def _items(rows: list[RigEvent]) -> list[dict[str, Any]]:
    """Events (oldest first) as items put at the top of the list, replacing any it shows."""
    ops: list[dict[str, Any]] = [{"op": "remove", "id": "no-events"}]
    for row in rows:
        html = await fragments.macro(LIST, "event_item", row)
        ops.append({"op": "replace", "id": f"event-{row.id}", "into": "events-list",
                    "at": "start", "html": html})
    return ops
