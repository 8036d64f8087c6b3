"""Accepting a report batch: validate, check the rig, queue durably. One implementation, used by
the Quart route and by the ASGI fast path (:mod:`.fastpath`)."""

from __future__ import annotations

from pydantic import ValidationError

from minerfarm.commander.auth.tokens import SentryRig
from minerfarm.commander.errors import ApiError, invalid_request
from minerfarm.commander.ingest.limits import rig_budget
from minerfarm.commander.ingest.queue import IncomingReport, QueueClosed, QueueUnavailable
from minerfarm.commander.state import CommanderState
from minerfarm.protocol.reports import ReportBatch, isoformat_z


async def accept_reports(state: CommanderState, rig: SentryRig, body: bytes,
                         mimetype: str) -> dict[str, int]:
    """``{"accepted", "duplicates"}`` once the batch is on disk; raises :class:`ApiError`."""
    if mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the batch as application/json")
    rig_budget(state).charge_bytes(rig.id, rig.kind, len(body))
    try:
        batch = ReportBatch.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "invalid_json", "request body is not valid JSON") from exc
        raise invalid_request(exc) from exc
    if rig.kind == "cpu_gpu" and any(r.asics for r in batch.reports):
        raise ApiError(422, "invalid_request", "reports.asics: a cpu_gpu rig reports no ASICs")
    reports = [
        IncomingReport(r.seq, isoformat_z(r.ts), r.model_dump_json(exclude_defaults=True))
        for r in batch.reports
    ]
    if state.queue is None:
        raise ApiError(503, "unavailable", "commander is starting; retry shortly")
    try:
        accepted, duplicates = await state.queue.put(rig.id, reports, rig.kind)
    except QueueUnavailable as exc:
        raise ApiError(503, "unavailable", "the ingest queue did not take the reports; "
                       "retry shortly") from exc
    except QueueClosed as exc:
        raise ApiError(503, "unavailable", "commander is shutting down; retry shortly") from exc
    return {"accepted": accepted, "duplicates": duplicates}
