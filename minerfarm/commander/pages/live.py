"""Live pages: one websocket per open page, subscribed only to that page's topics.

The server sends JSON frames ``{"ops": [...]}`` that ``static/live.js`` applies:
``replace`` (an element by id, or append it into ``into``; at its start with ``"at": "start"``),
``remove``, ``redirect``,
``points`` (chart samples) and ``reload`` (the page fell behind: its queue overflowed).
The index pages' websocket is in :mod:`live_index`.
Fragments come from the same macros as the pages. Messages that arrive while a frame is being
rendered, sent, or within ``FRAME_INTERVAL_S`` after it, are coalesced into the next frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from quart import url_for, websocket
from quart_auth import current_user

from minerfarm.commander import topics
from minerfarm.commander.api.ids import query_id
from minerfarm.commander.auth.sessions import session_ended
from minerfarm.commander.events import store as events
from minerfarm.commander.pages import fragments
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.pubsub import OVERFLOW, Message
from minerfarm.commander.reports.figures import asic_figures, rollup_figures
from minerfarm.commander.state import commander_state

routes = Routes()

Op = dict[str, Any]
EVENTS = "events/_list.html"
ALERTS = "alerts/firing.html"
FRAME_INTERVAL_S = 0.05
Render = Callable[[list[Message]], Awaitable[list[Op]]]


async def logged_in_only(page: Awaitable[None]) -> None:
    """Serve an accepted websocket until it ends, or until its login session does: a logout or
    ``set-password`` then sends the page to the login form (``redirect``) and closes it."""
    state = commander_state()
    state.websockets_open += 1
    try:
        await _logged_in_only(page)
    finally:
        state.websockets_open -= 1


async def _logged_in_only(page: Awaitable[None]) -> None:
    session_id = current_user.auth_id
    if session_id is None:  # the guard let no such socket in; nothing to watch
        await page
        return
    serving = asyncio.ensure_future(page)
    watching = asyncio.create_task(
        session_ended(session_id, commander_state().settings.session_recheck_s))
    try:
        done, _ = await asyncio.wait({serving, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (serving, watching):
            task.cancel()
        await asyncio.gather(serving, watching, return_exceptions=True)
    if serving in done:
        serving.result()  # its own end or error, as it was
        return
    watching.result()  # a failed check is an error, not a logout
    with contextlib.suppress(Exception):  # the browser may be gone already
        await websocket.send(orjson.dumps({"ops": [
            {"op": "redirect", "url": url_for("pages.login")}]}).decode())
        await websocket.close(4401, "logged out")


async def serve(topic_names: list[str], render: Render,
                on_open: Callable[[], Awaitable[None]] | None = None) -> None:
    await logged_in_only(_serve(topic_names, render, on_open))


async def _serve(topic_names: list[str], render: Render,
                 on_open: Callable[[], Awaitable[None]] | None) -> None:
    """``on_open`` runs once the socket is subscribed and accepted: it sends what may have
    changed since the page was rendered and would not come again."""
    state = commander_state()
    async with state.pubsub.subscribe(topic_names, maxsize=state.settings.live_queue) as sub:
        await websocket.accept()  # subscribed first: once the page sees "open", it misses nothing
        if on_open is not None:
            await on_open()
        messages = sub.__aiter__()
        while True:
            batch = [await anext(messages), *sub.drain()]
            ops = [{"op": "reload"}] if OVERFLOW in batch else await render(batch)
            if ops:
                await websocket.send(orjson.dumps({"ops": ops}).decode())
            # Let messages gather in the (bounded) queue: a busy farm costs one frame per
            # interval and page, not one wake-up per report and page.
            await asyncio.sleep(FRAME_INTERVAL_S)


def touched(batch: list[Message]) -> list[int]:
    """The rig ids these messages are about, in order (the dashboard model has already
    applied them: it observes the bus before any page is woken)."""
    ids: list[int] = []
    for message in batch:
        rig_id = message.data.get("id")
        if isinstance(rig_id, int) and rig_id not in ids:
            ids.append(rig_id)
    return ids


def _rig_topics(rig_id: int) -> tuple[str, list[str]] | None:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None:
        return None
    kind = digest.kind
    return kind, [topics.rig(kind, rig_id), topics.rig_operational_stats(kind, rig_id),
                  topics.rig_events(rig_id)]


async def _events_section(rig_id: int, url: str, asic: str | None = None) -> Op:
    """The page's recent-events section, afresh (a new event arrived)."""
    async with commander_state().db() as session:
        recent = await events.recent(session, rig_id, asic=asic)
    html = await fragments.macro(EVENTS, "recent_events", rig_id, recent, url)
    return {"op": "replace", "id": "rig-events", "html": html}


def _has_alerts(batch: list[Message]) -> bool:
    """The alert engine said what fires on the rig now (the farm model has it already), or an
    alert's event was written (its own message may have come before the page subscribed)."""
    return any("alerts" in m.data or m.data.get("kind") == "alert" for m in batch)


async def _alerts_section(rig_id: int, subject: str | None = None) -> Op:
    html = await fragments.macro(ALERTS, "firing", rig_id, subject)
    return {"op": "replace", "id": "alerts-firing", "html": html}


async def _catch_up(rig_id: int, after: int | None, url: str, asic: str | None = None) -> None:
    """Once subscribed: an event written between the page's render (the newest event id then is
    ``?after=``) and now sent its message too early, and none would come again. The events
    section then comes afresh, and the alerts section (an alert's change is an event too). The
    head and figures need nothing: they come again with the next report."""
    if after is not None:
        async with commander_state().db() as session:
            if not await events.since(session, rig_id, after, 1):
                return
    ops = [await _events_section(rig_id, url, asic), await _alerts_section(rig_id, asic)]
    await websocket.send(orjson.dumps({"ops": ops}).decode())


def _has_events(batch: list[Message], asic: str | None = None) -> bool:
    return any("event_id" in m.data and (asic is None or m.data.get("asic") == asic)
               for m in batch)


async def _gone(kind: str) -> None:
    await websocket.accept()
    target = url_for("pages.asic_index" if kind == "asic" else "pages.index")
    await websocket.send(orjson.dumps({"ops": [{"op": "redirect", "url": target}]}).decode())


def _points(figures: tuple[float | None, float | None, float | None],
            seen: datetime | None) -> Op:
    moment = int(seen.timestamp()) if seen else int(time.time())
    return {"op": "points", "t": moment, "hashrate_hs": figures[0], "temp_c": figures[1]}


@routes.websocket("/live/rigs/<int:rig_id>")
async def live_rig(rig_id: int) -> None:
    found = _rig_topics(rig_id)
    if found is None:
        return await _gone("cpu_gpu")
    kind, names = found

    farm = fragments.aggregator()

    async def render(batch: list[Message]) -> list[Op]:
        digest = farm.rigs.get(rig_id)
        if digest is None or any(m.event == "deleted" for m in batch):
            index = "pages.asic_index" if kind == "asic" else "pages.index"
            return [{"op": "redirect", "url": url_for(index)}]
        online = farm.is_online(digest)
        ops = [{"op": "replace", "id": "rig-head",
                "html": await fragments.macro(fragments.DETAIL, "rig_head", digest, online)}]
        if any("stats" in m.data for m in batch):
            ops.append({"op": "replace", "id": "rig-body",
                        "html": await fragments.macro(fragments.DETAIL, "rig_body", digest)})
            ops.append(_points(rollup_figures(digest.stats), digest.last_seen))
        if _has_events(batch):
            ops.append(await _events_section(
                rig_id, url_for("event_pages.rig_events", rig_id=rig_id)))
        if _has_alerts(batch):
            ops.append(await _alerts_section(rig_id))
        return ops

    await serve(names, render, lambda: _catch_up(
        rig_id, query_id(websocket.args),
        url_for("event_pages.rig_events", rig_id=rig_id)))


@routes.websocket("/live/asics/<int:rig_id>/<identity>")
async def live_asic(rig_id: int, identity: str) -> None:
    found = _rig_topics(rig_id)
    if found is None:
        return await _gone("asic")
    _, names = found

    farm = fragments.aggregator()

    async def render(batch: list[Message]) -> list[Op]:
        digest = farm.rigs.get(rig_id)
        if digest is None:
            return [{"op": "redirect", "url": url_for("pages.asic_index")}]
        asic = digest.asic(identity)
        html = await fragments.macro(fragments.DETAIL, "asic_body", digest, asic,
                                     farm.is_online(digest))
        ops: list[Op] = [{"op": "replace", "id": "asic-body", "html": html}]
        if asic is not None and any("stats" in m.data for m in batch):
            ops.append(_points(asic_figures(asic), digest.last_seen))
        if _has_events(batch, identity):
            ops.append(await _events_section(rig_id, url_for(
                "event_pages.asic_events", rig_id=rig_id, identity=identity), identity))
        if _has_alerts(batch):
            ops.append(await _alerts_section(rig_id, identity))
        return ops

    await serve(names, render, lambda: _catch_up(
        rig_id, query_id(websocket.args),
        url_for("event_pages.asic_events", rig_id=rig_id, identity=identity), identity))
