"""``GET /api/v1/rigs/{id}/events?kind=&asic=&before=&limit=``: a rig's event log, newest
first; pass ``next_before`` back as ``before`` for the next page (exact, like the reports)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import validate_querystring, validate_response

from minerfarm.commander.errors import ApiError
from minerfarm.commander.events import store
from minerfarm.commander.events.kinds import KINDS
from minerfarm.commander.rigs import service as rigs
from minerfarm.commander.state import commander_state

events_api = Blueprint("events_api", __name__, url_prefix="/api/v1")


class EventsQuery(BaseModel):
    kind: Annotated[str, Field(max_length=512)] | None = None  # one kind, or several: a,b
    asic: Annotated[str, Field(max_length=64)] | None = None
    before: Annotated[str, Field(max_length=64)] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class EventOut(BaseModel):
    id: int
    rig_id: int
    asic: str | None
    at: datetime
    kind: str
    message: str
    details: dict[str, Any] | None


class EventPage(BaseModel):
    events: list[EventOut]
    next_before: str | None


def parse_kinds(text: str | None) -> list[str] | None:
    """``a,b`` -> ``["a", "b"]``; an unknown kind is an error naming the known ones."""
    if not text:
        return None
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ApiError(422, "invalid_request", f"kind: unknown {', '.join(unknown)!s}; one of "
                       f"{', '.join(KINDS)}")
    return kinds or None


@events_api.get("/rigs/<int:rig_id>/events")
@validate_querystring(EventsQuery)
@validate_response(EventPage)
async def rig_events(rig_id: int, query_args: EventsQuery) -> dict[str, Any]:
    await rigs.get_rig(rig_id)
    kinds = parse_kinds(query_args.kind)
    try:
        before = store.Cursor.parse(query_args.before) if query_args.before else None
    except store.BadCursor as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    async with commander_state().db() as session:
        found, cursor = await store.page(session, rig_id, query_args.limit, kinds=kinds,
                                         asic=query_args.asic, before=before)
    return {"events": [store.event_out(e) for e in found],
            "next_before": str(cursor) if cursor else None}
