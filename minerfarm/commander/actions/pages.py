"""The forms behind the rig page's action buttons and the index's bulk form. Each answers the
page again with what happened (the guard has checked the session and CSRF token)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from quart import Blueprint, request

from minerfarm.commander.actions.api import STATUS, ActionIn, BulkActionIn
from minerfarm.commander.errors import validation_message
from minerfarm.commander.pages.bulk import chosen_from_form
from minerfarm.commander.pages.dashboard import render_index, render_rig
from minerfarm.commander.pages.fragments import aggregator
from minerfarm.commander.state import commander_state

action_pages = Blueprint("action_pages", __name__, template_folder="templates")


@action_pages.post("/rigs/<int:rig_id>/actions")
async def rig_action(rig_id: int) -> Any:
    form = await request.form
    try:
        data = ActionIn(kind=form.get("kind", ""), miner=form.get("miner") or None)
    except ValidationError as exc:
        return await render_rig(rig_id, action_error=validation_message(exc)[0], status=422)
    result = await commander_state().actions.request(
        rig_id, data.kind, requested_by="admin (rig page)", miner=data.miner)
    if not result.accepted:
        assert result.refusal is not None
        return await render_rig(rig_id, action_error=result.message,
                                status=STATUS[result.refusal])
    return await render_rig(rig_id, action_notice=result.message, status=202)


@action_pages.post("/actions")
async def bulk_action() -> Any:
    form = await request.form
    picked = [d.id for d in await chosen_from_form()]  # ticked, or all matching the filters
    try:
        data = BulkActionIn(kind=form.get("kind", ""), rig_ids=picked)
    except ValidationError as exc:
        message = validation_message(exc)[0]
        if "rig_ids" in message:
            message = "pick at least one rig"
        return await render_index("cpu_gpu", error=message), 422
    results = await commander_state().actions.request_many(
        data.rig_ids, data.kind, requested_by="admin (index, several rigs)")
    names = {rig_id: digest.name for rig_id, digest in aggregator().rigs.items()}
    shown = [{"rig_name": names.get(r.rig_id, f"rig {r.rig_id}"), "accepted": r.accepted,
              "message": r.message} for r in results]
    return await render_index("cpu_gpu", action_results=shown)
