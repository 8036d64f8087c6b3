"""Stored-report pages: a rig's (or one ASIC's) reports, newest first, by time, paged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from quart import render_template, request, url_for

from minerfarm.commander.pages import fragments, gone, summaries
from minerfarm.commander.pages.formatting import celsius, watts
from minerfarm.commander.pages.routes import Routes
from minerfarm.commander.reports.blocks import StoredReport
from minerfarm.commander.reports.figures import (
    asic_figures,
    asic_identity,
    objects,
    rollup_figures,
)
from minerfarm.commander.reports.paging import BadCursor, Cursor, Window, report_page
from minerfarm.commander.state import commander_state
from minerfarm.protocol.units import humanize_hs

routes = Routes()

PAGE = 50
_FORM = "%Y-%m-%dT%H:%M:%S"


@dataclass
class LogEntry:
    ts: datetime
    seq: int
    summary: str
    json: str
    # Labelled lines for the page: (label, text), e.g. ("xmrig", "4.88 kH/s RandomX · ...")
    lines: list[tuple[str, str]] = field(default_factory=list)


def _when(name: str) -> datetime | None:
    """A ``datetime-local`` value (UTC) or an ISO timestamp; anything else is ignored."""
    text = request.args.get(name, "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC) if moment is not None else None
    except (ValueError, OverflowError):  # not a time, or none that UTC can hold
        return None


def _cursor() -> Cursor | None:
    text = request.args.get("cursor", "").strip()
    try:
        return Cursor.parse(text) if text else None
    except BadCursor:
        return None  # a mangled link shows the newest page


def _summary(figures: tuple[float | None, float | None, float | None]) -> str:
    hashrate, temp, power = figures
    return f"{humanize_hs(hashrate)} · {celsius(temp)} · {watts(power)}"


def _entry(report: StoredReport, identity: str | None) -> LogEntry:
    payload: Any = report.payload
    if not isinstance(payload, dict):  # stored by an older version: shown, not summed
        return LogEntry(report.ts, report.seq, "unreadable", _dump(payload))
    if identity is not None:
        payload = next((a for a in objects(payload.get("asics")) if asic_identity(a) == identity),
                       {"note": "this ASIC is not in this report"})
        summary = _summary(asic_figures(payload)) if "ip" in payload else "absent"
        lines = summaries.asic_lines(payload) if "ip" in payload else []
    else:
        summary = _summary(rollup_figures(payload))
        lines = summaries.report_lines(payload)
    return LogEntry(report.ts, report.seq, summary, _dump(payload), lines)


def _dump(payload: Any) -> str:
    try:
        return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(payload)[:100_000]


async def _render(rig_id: int, identity: str | None, title: str, back: str) -> Any:
    since, until = _when("since"), _when("until")
    window = Window(since=since, until=until, before=_when("before"), after=_cursor())
    found, cursor = await report_page(rig_id, PAGE, window)
    next_url = None
    if cursor is not None:
        values: dict[str, Any] = {**(request.view_args or {}), **request.args}
        values.pop("before", None)
        values["cursor"] = str(cursor)
        next_url = url_for(request.endpoint or "pages.rig_reports", **values)
    return await render_template(
        "reports.html", rig=fragments.aggregator().rigs[rig_id], title=title, back=back,
        reports=[_entry(r, identity) for r in found], next_url=next_url,
        since_value=since.strftime(_FORM) if since else "",
        until_value=until.strftime(_FORM) if until else "",
        retention_days=commander_state().settings.report_retention_days,
    )


@routes.get("/rigs/<int:rig_id>/reports")
async def rig_reports(rig_id: int) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None:
        return await gone.rig_gone(rig_id)
    return await _render(rig_id, None, digest.name, url_for("pages.rig_detail", rig_id=rig_id))


@routes.get("/asics/<int:rig_id>/<identity>/reports")
async def asic_reports(rig_id: int, identity: str) -> Any:
    digest = fragments.aggregator().rigs.get(rig_id)
    if digest is None or digest.kind != "asic":
        return await gone.rig_gone(rig_id, "asic")
    asic = digest.asic(identity)
    title = f"{asic.get('ip') if asic else identity} on {digest.name}"
    return await _render(rig_id, identity, title,
                         url_for("pages.asic_detail", rig_id=rig_id, identity=identity))
