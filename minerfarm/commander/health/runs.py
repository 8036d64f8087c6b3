"""Playbook run outcomes for the farm model: read once at start, then from each published
``playbook_run`` message (the sentry API publishes what it stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander.db.models import PlaybookRun
from minerfarm.commander.health.model import PlaybookOutcome, PlaybookStatus


def _status(text: object) -> Literal["success", "failed"]:
    return "failed" if text == "failed" else "success"


def outcome_of(run: PlaybookRun) -> PlaybookOutcome:
    status = _status(run.status)
    return PlaybookOutcome(run.playbook_id, status, run.revision, run.failed_task, run.message,
                           run.received_at)


def message_data(run: PlaybookRun) -> dict[str, Any]:
    """What the sentry API publishes about a stored run (the farm model reads it back)."""
    return {"id": run.rig_id, "playbook_run": run.status, "playbook_id": run.playbook_id,
            "revision": run.revision, "failed_task": run.failed_task,
            "message": (run.message or "")[:4000] or None,
            "at": run.received_at.isoformat()}


def outcome_from_message(data: dict[str, Any]) -> PlaybookOutcome | None:
    try:
        status = _status(data["playbook_run"])
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        playbook = data.get("playbook_id")
        return PlaybookOutcome(playbook if isinstance(playbook, int) else None, status,
                               str(data.get("revision") or ""), data.get("failed_task"),
                               data.get("message"), at)
    except (KeyError, TypeError, ValueError):
        return None


async def latest_statuses(session: AsyncSession) -> dict[int, PlaybookStatus]:
    """Per rig, the outcomes of its latest reported revision."""
    newest = (select(PlaybookRun.rig_id, func.max(PlaybookRun.id).label("id"))
              .group_by(PlaybookRun.rig_id).subquery())
    latest = {r.rig_id: r.revision for r in await session.scalars(
        select(PlaybookRun).join(newest, PlaybookRun.id == newest.c.id))}
    statuses: dict[int, PlaybookStatus] = {}
    if not latest:
        return statuses
    rows = await session.scalars(select(PlaybookRun).where(
        PlaybookRun.rig_id.in_(list(latest))).order_by(PlaybookRun.id))
    for run in rows:
        if run.revision == latest[run.rig_id]:
            statuses.setdefault(run.rig_id, PlaybookStatus()).record(outcome_of(run))
    return statuses
