"""The sentry API (``/api/v1/sentry``), protocol v1: every request carries a rig token."""

from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, Response, g, request
from quart_schema import document_request, document_response, validate_request, validate_response

from minerfarm.commander import topics
from minerfarm.commander.api.catalog_schemas import LogBatch, PlaybookRunIn
from minerfarm.commander.api.schemas import Hello
from minerfarm.commander.auth.tokens import rig_for_bearer
from minerfarm.commander.catalog import desired_playbooks
from minerfarm.commander.db.models import PlaybookRun
from minerfarm.commander.errors import ApiError
from minerfarm.commander.ingest.accept import accept_reports
from minerfarm.commander.longpoll import MAX_WAIT_S, current_rig, wait_for_revision_change
from minerfarm.commander.minerlogs import store_and_prune
from minerfarm.commander.rigs import rig_summary
from minerfarm.commander.state import commander_state
from minerfarm.protocol.reports import ReportAck, ReportBatch

sentry_api = Blueprint("sentry_api", __name__, url_prefix="/api/v1/sentry")


@sentry_api.before_request
async def authenticate() -> None:
    g.rig = await rig_for_bearer(request.headers.get("Authorization"))


@sentry_api.get("/hello")
@validate_response(Hello)
async def hello() -> dict[str, Any]:
    """Check the commander URL and token at enrollment."""
    return {"rig": rig_summary(g.rig)}


@sentry_api.post("/reports")
@document_request(ReportBatch)
@document_response(ReportAck, 202)
async def post_reports() -> Response:
    """Queue a batch of reports durably; 202 only once it is on disk, deduplicated by seq.

    Served over HTTP by :mod:`minerfarm.commander.ingest.fastpath` (same checks, less
    framework); this route documents it and serves in-process clients.
    """
    body = await request.get_data(cache=False)
    ack = await accept_reports(commander_state(), g.rig, body, request.mimetype)
    return Response(orjson.dumps(ack), status=202, mimetype="application/json")


@sentry_api.get("/playbooks")
async def get_playbooks() -> Any:
    """The rig's desired playbooks; 304 when ``If-None-Match`` names the current revision.

    ``?wait=S`` (at most 60): a long-poll; while the revision is the one named, the answer waits
    up to S seconds for it to change (then 200), else 304.
    """
    known = request.headers.get("If-None-Match", "").strip('"')
    rig = await current_rig(g.rig.id)  # g.rig may be up to a few seconds old: read afresh
    if known == str(rig.playbook_revision):
        wait = _wait_seconds(request.args.get("wait"))
        if wait > 0:
            rig = await wait_for_revision_change(rig, known, wait)
    revision = str(rig.playbook_revision)
    if known == revision:
        return "", 304, {"ETag": f'"{revision}"'}
    return await desired_playbooks(rig), 200, {"ETag": f'"{revision}"'}


def _wait_seconds(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return min(max(float(value), 0.0), MAX_WAIT_S)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "wait: seconds, a number from 0 to 60") from exc


@sentry_api.post("/playbook-runs")
@validate_request(PlaybookRunIn)
async def post_playbook_run(data: PlaybookRunIn) -> tuple[dict[str, Any], int]:
    """What happened when the sentry applied a revision (Ansible's failed task, message)."""
    async with commander_state().db() as session, session.begin():
        session.add(PlaybookRun(rig_id=g.rig.id, **data.model_dump()))
    await commander_state().pubsub.publish(
        topics.rig(g.rig.kind, g.rig.id), "updated",
        {"id": g.rig.id, "playbook_run": data.status, "playbook_id": data.playbook_id}
    )
    return {"accepted": 1}, 202


@sentry_api.post("/logs")
@validate_request(LogBatch)
async def post_logs(data: LogBatch) -> tuple[dict[str, Any], int]:
    """Miner console lines, batched."""
    rows = [{"rig_id": g.rig.id, "playbook_id": line.playbook_id, "ts": line.ts,
             "line": line.line} for line in data.lines]
    async with commander_state().db() as session, session.begin():
        await store_and_prune(session, rows, g.rig.id)
    await commander_state().pubsub.publish(
        topics.miner_logs(g.rig.id), "created", {"id": g.rig.id, "lines": len(rows)}
    )
    return {"accepted": len(rows)}, 202
