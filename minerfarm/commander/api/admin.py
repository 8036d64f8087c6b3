"""The admin API (``/api/v1``): for scripts, the CLI and Ansible's ``uri`` module.

Authenticated by the browser session (with a CSRF header) or HTTP Basic ``admin:<password>``;
the guard in :mod:`minerfarm.commander.auth.guard` checks that before any handler runs.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint
from quart_schema import validate_querystring, validate_request, validate_response

from minerfarm.commander.api.schemas import (
    DeadLetterList,
    DeadLettersQuery,
    FarmStats,
    ReportPage,
    ReportsQuery,
    RigCreate,
    RigList,
    RigOut,
    RigRename,
    RigsQuery,
    RigWithToken,
)
from minerfarm.commander.dashboard.stats import farm_stats
from minerfarm.commander.errors import ApiError
from minerfarm.commander.ingest import deadletter
from minerfarm.commander.reports.paging import BadCursor, Cursor, Window, report_page
from minerfarm.commander.rigs import service as rigs
from minerfarm.commander.state import commander_state

admin_api = Blueprint("admin_api", __name__, url_prefix="/api/v1")


@admin_api.post("/rigs")
@validate_request(RigCreate)
@validate_response(RigWithToken, 201)
async def create_rig(data: RigCreate) -> tuple[dict[str, Any], int]:
    """Create a rig or an ASIC sentry; its token is shown only in this answer."""
    rig, token = await rigs.create_rig(data.name, data.kind)
    return {"rig": rigs.rig_out(rig), "token": token}, 201


@admin_api.get("/rigs")
@validate_querystring(RigsQuery)
@validate_response(RigList)
async def list_rigs(query_args: RigsQuery) -> dict[str, Any]:
    return {"rigs": [rigs.rig_out(r) for r in await rigs.list_rigs(query_args.kind)]}


@admin_api.get("/rigs/<int:rig_id>")
@validate_response(RigOut)
async def get_rig(rig_id: int) -> dict[str, Any]:
    rig = await rigs.get_rig(rig_id)
    asics = await rigs.rig_asics(rig_id) if rig.kind == "asic" else None
    return rigs.rig_out(rig, asics)


@admin_api.patch("/rigs/<int:rig_id>")
@validate_request(RigRename)
@validate_response(RigOut)
async def rename_rig(rig_id: int, data: RigRename) -> dict[str, Any]:
    return rigs.rig_out(await rigs.rename_rig(rig_id, data.name))


@admin_api.delete("/rigs/<int:rig_id>")
async def delete_rig(rig_id: int) -> tuple[str, int]:
    """Remove the rig and all it owns; its sentry's token answers 410 from then on."""
    await rigs.delete_rig(rig_id)
    return "", 204


@admin_api.post("/rigs/<int:rig_id>/token")
@validate_response(RigWithToken)
async def regenerate_token(rig_id: int) -> dict[str, Any]:
    """A new token for the rig; the old one stops working (401)."""
    rig, token = await rigs.regenerate_token(rig_id)
    return {"rig": rigs.rig_out(rig), "token": token}


@admin_api.get("/rigs/<int:rig_id>/reports")
@validate_querystring(ReportsQuery)
@validate_response(ReportPage)
async def rig_reports(rig_id: int, query_args: ReportsQuery) -> dict[str, Any]:
    """The rig's stored reports, newest first; pass ``next_cursor`` as ``cursor`` for more.

    ``before=<ts>`` (exclusive) still pages by time, but skips reports that share the last
    timestamp of a page; the cursor never does."""
    await rigs.get_rig(rig_id)
    try:
        after = Cursor.parse(query_args.cursor) if query_args.cursor else None
    except BadCursor as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    found, cursor = await report_page(rig_id, query_args.limit,
                                      Window(before=query_args.before, after=after))
    return {
        "reports": [{"seq": r.seq, "ts": r.ts, "received_at": r.received_at,
                     "report": r.payload if isinstance(r.payload, dict) else None}
                    for r in found],
        "next_cursor": str(cursor) if cursor else None,
        "next_before": cursor.ts if cursor else None,
    }


@admin_api.get("/stats")
@validate_response(FarmStats)
async def stats() -> dict[str, Any]:
    return await farm_stats()


@admin_api.get("/dead-letters")
@validate_querystring(DeadLettersQuery)
@validate_response(DeadLetterList)
async def dead_letters(query_args: DeadLettersQuery) -> dict[str, Any]:
    """Reports that were acknowledged (202) but could not be stored, newest first, each with
    its rig, seq, payload and the database's reason; ``count`` is how many there are in all."""
    engine = commander_state().engine
    if engine is None:
        raise ApiError(503, "unavailable", "commander is starting; retry shortly")
    return {"count": await deadletter.count(engine),
            "dead_letters": await deadletter.newest(engine, query_args.limit,
                                                    query_args.rig_id)}
