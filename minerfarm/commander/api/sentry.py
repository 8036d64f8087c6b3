"""The sentry API (``/api/v1/sentry``), protocol v1: every request carries a rig token."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from quart import Blueprint, g, request
from quart_schema import document_request, validate_response

from minerfarm.commander.api.schemas import Hello
from minerfarm.commander.auth.tokens import rig_for_bearer
from minerfarm.commander.errors import ApiError, invalid_request
from minerfarm.commander.ingest.queue import IncomingReport, QueueClosed
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
@validate_response(ReportAck, 202)
async def post_reports() -> tuple[dict[str, int], int]:
    """Queue a batch of reports durably; 202 only once it is on disk, deduplicated by seq."""
    body = await request.get_data(cache=False)
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the batch as application/json")
    try:
        batch = ReportBatch.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "invalid_json", "request body is not valid JSON") from exc
        raise invalid_request(exc) from exc
    if g.rig.kind == "cpu_gpu" and any(r.asics for r in batch.reports):
        raise ApiError(422, "invalid_request", "reports.asics: a cpu_gpu rig reports no ASICs")
    reports = [
        IncomingReport(r.seq, r.model_dump_json(exclude_defaults=True)) for r in batch.reports
    ]
    queue = commander_state().queue
    if queue is None:
        raise ApiError(503, "unavailable", "commander is starting; retry shortly")
    try:
        accepted, duplicates = await queue.put(g.rig.id, reports)
    except QueueClosed as exc:
        raise ApiError(503, "unavailable", "commander is shutting down; retry shortly") from exc
    return {"accepted": accepted, "duplicates": duplicates}, 202
