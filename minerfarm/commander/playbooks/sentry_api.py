"""The playbook routes of the sentry API: desired playbooks (with long-poll), playbook runs,
miner console lines. Added to the sentry blueprint by :func:`register`; the sentry's token is
checked by that blueprint before any of these runs (``g.rig``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from quart import Blueprint, g, request
from quart_schema import validate_request

from minerfarm.commander import topics
from minerfarm.commander.db.models import PlaybookRun
from minerfarm.commander.errors import ApiError
from minerfarm.commander.health.runs import message_data
from minerfarm.commander.playbooks.console import store_and_prune
from minerfarm.commander.playbooks.longpoll import MAX_WAIT_S, current_rig, wait_for_revision_change
from minerfarm.commander.playbooks.store import desired_playbooks
from minerfarm.commander.state import commander_state
from minerfarm.protocol import playbooks as wire
from minerfarm.protocol.actions import ACTIONS_PARAM, Action, parse_kinds


def register(sentry_api: Blueprint) -> None:
    sentry_api.add_url_rule("/playbooks", view_func=get_playbooks, methods=["GET"])
    sentry_api.add_url_rule("/playbook-runs", view_func=post_playbook_run, methods=["POST"])
    sentry_api.add_url_rule("/logs", view_func=post_logs, methods=["POST"])


async def get_playbooks() -> Any:
    """The rig's desired playbooks; 304 when ``If-None-Match`` names the current revision.

    ``?wait=S`` (at most 60): a long-poll; while the revision is the one named, the answer waits
    up to S seconds for it to change (then 200), else 304.

    ``?actions=restart_miner,...`` (additive): the kinds of remote action this sentry runs.
    Its unacknowledged actions come in ``actions``; while there are some the answer is a 200
    at once, even for the revision it has, and a new one ends the wait.
    """
    known = request.headers.get("If-None-Match", "").strip('"')
    takes = request.args.get(ACTIONS_PARAM)
    service = commander_state().actions
    rig = await current_rig(g.rig.id)  # g.rig may be up to a few seconds old: read afresh
    actions: list[Action] = []
    if takes is not None:
        await service.sentry_kinds(rig.id, parse_kinds(takes))
        actions = await service.deliver(rig.id)
    if known == str(rig.playbook_revision) and not actions:
        wait = _wait_seconds(request.args.get("wait"))
        if wait > 0:
            rig = await wait_for_revision_change(rig, known, wait, actions=takes is not None)
            if takes is not None:
                actions = await service.deliver(rig.id)
    revision = str(rig.playbook_revision)
    if known == revision and not actions:
        return "", 304, {"ETag": f'"{revision}"'}
    desired = await desired_playbooks(rig)
    desired.actions = actions
    # (an older sentry is answered exactly as before)
    answer = desired.model_dump(mode="json", exclude={"actions"} if takes is None else None)
    return answer, 200, {"ETag": f'"{revision}"'}


def _wait_seconds(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return min(max(float(value), 0.0), MAX_WAIT_S)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "wait: seconds, a number from 0 to 60") from exc


@validate_request(wire.PlaybookRun)
async def post_playbook_run(data: wire.PlaybookRun) -> tuple[dict[str, Any], int]:
    """What happened when the sentry applied a revision (Ansible's failed task, message)."""
    run = PlaybookRun(rig_id=g.rig.id, received_at=datetime.now(UTC), **data.model_dump())
    async with commander_state().db() as session, session.begin():
        session.add(run)
    # On the index topic too: the farm model (rig health, the event log) and the index rows
    # follow it; the rig's own topic wakes its open pages.
    published = message_data(run)
    pubsub = commander_state().pubsub
    await pubsub.publish(topics.rig_index(g.rig.kind), "updated", published)
    await pubsub.publish(topics.rig(g.rig.kind, g.rig.id), "updated", published)
    return {"accepted": 1}, 202


@validate_request(wire.LogBatch)
async def post_logs(data: wire.LogBatch) -> tuple[dict[str, Any], int]:
    """Miner console lines, batched."""
    rows = [{"rig_id": g.rig.id, "playbook_id": line.playbook_id, "ts": line.ts,
             "line": line.line} for line in data.lines]
    async with commander_state().db() as session, session.begin():
        await store_and_prune(session, rows, g.rig.id)
    await commander_state().pubsub.publish(
        topics.miner_logs(g.rig.id), "created", {"id": g.rig.id, "lines": len(rows)}
    )
    return {"accepted": len(rows)}, 202
