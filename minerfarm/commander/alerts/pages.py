"""The Alerts page: what fires now and lately (acknowledge), silences, rules and channels,
each with its form (CSRF, checked by the guard). Forms post and come back with ``?done=``; a
refused form shows the page again with the reason and what was typed."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from quart import Blueprint, redirect, render_template, request, url_for
from quart.typing import ResponseReturnValue
from sqlalchemy import select

from minerfarm.commander import topics
from minerfarm.commander.alerts import store
from minerfarm.commander.alerts.rules import KINDS
from minerfarm.commander.alerts.schemas import ChannelIn, RuleIn, SilenceIn
from minerfarm.commander.db.models import Rig
from minerfarm.commander.errors import ApiError, validation_message
from minerfarm.commander.pages.dashboard import live_context
from minerfarm.commander.pages.fragments import macro
from minerfarm.commander.pages.live import serve
from minerfarm.commander.pubsub import Message
from minerfarm.commander.state import commander_state

alert_pages = Blueprint("alert_pages", __name__, template_folder="templates")
DONE = {"saved": "Saved.", "deleted": "Deleted.", "sent": "Test notification sent.",
        "acknowledged": "Acknowledged.", "silenced": "Silenced."}


async def _page(error: str | None = None, form: dict[str, Any] | None = None,
                status: int = 200) -> ResponseReturnValue:
    async with commander_state().db() as session:
        rigs = {r.id: r.name for r in await session.scalars(select(Rig).order_by(Rig.name))}
    rules = await store.list_rules()
    html = await render_template(
        "alerts/index.html", error=error, form=form or {}, kinds=KINDS, rigs=rigs,
        firing=await store.list_alerts("firing"),
        recent=await store.list_alerts("resolved", limit=50),
        pending=store.pending_out(), rules=rules, rule_names={r.id: r.name for r in rules},
        channels=[store.channel_out(c) for c in await store.list_channels()],
        silences=await store.list_silences(),
        notice=DONE.get(request.args.get("done", "")), **live_context())
    return html, status


async def _names() -> tuple[dict[int, str], dict[int, str]]:
    async with commander_state().db() as session:
        rigs = {r.id: r.name for r in await session.scalars(select(Rig).order_by(Rig.name))}
    return rigs, {r.id: r.name for r in await store.list_rules()}


@alert_pages.websocket("/live/alerts")
async def live_alerts() -> None:
    """The firing section, rendered again whenever an alert changes state."""

    async def render(batch: list[Message]) -> list[dict[str, Any]]:
        rigs, rule_names = await _names()
        html = await macro("alerts/_firing.html", "firing_section",
                           await store.list_alerts("firing"), store.pending_out(), rigs,
                           rule_names)
        return [{"op": "replace", "id": "firing", "html": html}]

    await serve([topics.ALERTS], render)


def _done(word: str) -> ResponseReturnValue:
    return redirect(url_for("alert_pages.index", done=word))


async def _refused(exc: Exception, form: dict[str, Any]) -> ResponseReturnValue:
    if isinstance(exc, ValidationError):
        return await _page(validation_message(exc)[0], form, 422)
    assert isinstance(exc, ApiError)
    return await _page(exc.message, form, exc.status)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text and text.strip() else None
    except ValueError:
        return None


@alert_pages.get("/alerts")
async def index() -> ResponseReturnValue:
    return await _page()


@alert_pages.post("/alerts/channels")
async def create_channel() -> ResponseReturnValue:
    form = dict(await request.form)
    try:
        await store.create_channel(ChannelIn(name=form.get("name", "").strip(),
                                             url=form.get("url", "").strip()))
    except (ValidationError, ApiError) as exc:
        return await _refused(exc, {"channel_name": form.get("name", "")})
    return _done("saved")


@alert_pages.post("/alerts/channels/<int:channel_id>/test")
async def test_channel(channel_id: int) -> ResponseReturnValue:
    error = await store.test_channel(channel_id)
    if error is not None:
        return await _page(f"The channel refused the test message: {error}", status=502)
    return _done("sent")


@alert_pages.post("/alerts/channels/<int:channel_id>/delete")
async def delete_channel(channel_id: int) -> ResponseReturnValue:
    await store.delete_channel(channel_id)
    return _done("deleted")


@alert_pages.post("/alerts/rules")
async def create_rule() -> ResponseReturnValue:
    form = await request.form
    values: dict[str, Any] = {
        "name": form.get("name", "").strip(), "kind": form.get("kind", ""),
        "threshold": _number(form.get("threshold")),
        "for_s": int(_number(form.get("for_s")) or 0),
        "sensor": form.get("sensor") or None, "action": form.get("action") or None,
        "channel_ids": [int(i) for i in form.getlist("channel_ids") if i.isdigit()],
        "rig_ids": [int(i) for i in form.getlist("rig_ids") if i.isdigit()] or None,
        "selector": {"tags": form["tags"].strip()} if form.get("tags", "").strip() else None,
    }
    try:
        await store.save_rule(RuleIn(**values))
    except (ValidationError, ApiError) as exc:
        return await _refused(exc, {"rule": values})
    return _done("saved")


@alert_pages.post("/alerts/rules/<int:rule_id>/delete")
async def delete_rule(rule_id: int) -> ResponseReturnValue:
    await store.delete_rule(rule_id)
    return _done("deleted")


@alert_pages.post("/alerts/<int:alert_id>/acknowledge")
async def acknowledge(alert_id: int) -> ResponseReturnValue:
    await store.acknowledge(alert_id)
    return _done("acknowledged")


@alert_pages.post("/alerts/silences")
async def create_silence() -> ResponseReturnValue:
    form = await request.form
    minutes = _number(form.get("minutes")) or 0
    values = {"rig_id": int(form["rig_id"]) if form.get("rig_id", "").isdigit() else None,
              "rule_id": int(form["rule_id"]) if form.get("rule_id", "").isdigit() else None,
              "for_s": int(minutes * 60), "reason": form.get("reason", "").strip()[:256]}
    try:
        await store.create_silence(SilenceIn(**values))
    except (ValidationError, ApiError) as exc:
        return await _refused(exc, {"silence": values})
    return _done("silenced")


@alert_pages.post("/alerts/silences/<int:silence_id>/delete")
async def delete_silence(silence_id: int) -> ResponseReturnValue:
    await store.delete_silence(silence_id)
    return _done("deleted")
