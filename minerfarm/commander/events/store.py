"""Events in the database: written in batches, read newest first in pages, pruned."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from minerfarm.commander.db.models import Rig, RigEvent
from minerfarm.commander.events.kinds import KINDS
from minerfarm.protocol.reports import isoformat_z

log = logging.getLogger(__name__)
MESSAGE_MAX = 1024
DETAILS_MAX_BYTES = 4096  # a bounded JSON object: what the message summarises, no more


@dataclass(frozen=True)
class NewEvent:
    rig_id: int
    kind: str
    message: str
    at: datetime
    asic: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {"rig_id": self.rig_id, "asic": (self.asic or None) and self.asic[:64],
                "at": self.at, "kind": self.kind, "message": self.message[:MESSAGE_MAX],
                "details": bounded(self.details)}


def bounded(details: dict[str, Any]) -> dict[str, Any] | None:
    """The details as given when their JSON fits, else each text value cut until it does."""
    if not details:
        return None
    try:
        size = len(orjson.dumps(details))
    except (TypeError, orjson.JSONEncodeError):
        return {"note": "details could not be stored"}
    if size <= DETAILS_MAX_BYTES:
        return details
    cut = {k: (v[:200] if isinstance(v, str) else v) for k, v in details.items()}
    if len(orjson.dumps(cut, default=str)) <= DETAILS_MAX_BYTES:
        return cut
    return {"note": f"details of {size} bytes were cut"}


def event_out(event: RigEvent) -> dict[str, Any]:
    return {"id": event.id, "rig_id": event.rig_id, "asic": event.asic, "at": event.at,
            "kind": event.kind, "message": event.message, "details": event.details}


async def write(engine: AsyncEngine, events: list[NewEvent]) -> list[RigEvent]:
    """Store ``events`` in one transaction; answers them with their ids. Events of a rig
    deleted meanwhile are dropped (its row is gone, and so is its log)."""
    if not events:
        return []
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        live = set(await session.scalars(select(Rig.id).where(
            Rig.id.in_({e.rig_id for e in events}))))
        unknown = [e.kind for e in events if e.kind not in KINDS]
        if unknown:  # a bug: every kind is in the registry
            log.error("events: unknown kinds %s dropped (add them to events.kinds)", unknown)
        rows = [RigEvent(**e.row()) for e in events if e.rig_id in live and e.kind in KINDS]
        session.add_all(rows)
    return rows


def _of(rig_id: int, kinds: list[str] | None, asic: str | None) -> Select[RigEvent]:
    """A rig's events, of these kinds (all for none) and of this ASIC (any for none)."""
    query = select(RigEvent).where(RigEvent.rig_id == rig_id)
    if kinds:
        query = query.where(RigEvent.kind.in_(kinds))
    if asic is not None:
        query = query.where(RigEvent.asic == asic)
    return query


async def page(session: AsyncSession, rig_id: int, limit: int, *, kinds: list[str] | None = None,
               asic: str | None = None, before: Cursor | None = None) -> tuple[list[RigEvent],
                                                                               Cursor | None]:
    query = _of(rig_id, kinds, asic)
    if before is not None:
        query = query.where(or_(RigEvent.at < before.at,
                                and_(RigEvent.at == before.at, RigEvent.id < before.id)))
    query = query.order_by(RigEvent.at.desc(), RigEvent.id.desc()).limit(limit)
    found = list(await session.scalars(query))
    return found, (Cursor(found[-1].at, found[-1].id) if len(found) == limit else None)


async def recent(session: AsyncSession, rig_id: int, limit: int = 10,
                 asic: str | None = None) -> list[RigEvent]:
    """The newest events of a rig (or of one of its ASICs), for its page's section."""
    found, _ = await page(session, rig_id, limit, asic=asic)
    return found


async def newest_id(session: AsyncSession) -> int:
    """The id of the newest event written (of any rig), 0 for none: where a page's live
    socket resumes (:func:`since`)."""
    return int(await session.scalar(select(func.max(RigEvent.id))) or 0)


async def since(session: AsyncSession, rig_id: int, after: int, limit: int, *,
                kinds: list[str] | None = None, asic: str | None = None) -> list[RigEvent]:
    """A rig's events written after the event ``after``, oldest first (the newest ``limit``)."""
    query = _of(rig_id, kinds, asic).where(RigEvent.id > after)
    found = list(await session.scalars(query.order_by(RigEvent.id.desc()).limit(limit)))
    return found[::-1]


async def prune(engine: AsyncEngine, older_than: datetime) -> int:
    async with engine.begin() as conn:
        done = await conn.execute(delete(RigEvent).where(RigEvent.at < older_than))
    return int(done.rowcount or 0)


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    """The last event of a page: ``<ISO-8601 UTC at>_<id>``; the next page is strictly older."""

    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{isoformat_z(self.at)}_{self.id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        stamp, _, number = text.rpartition("_")
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            value = int(number) if len(number) <= 19 else -1
            if value < 0:
                raise ValueError(number)
            return cls(moment.astimezone(UTC), value)
        except (ValueError, OverflowError) as exc:
            raise BadCursor(f"before: {text!r} is not <timestamp>_<id>; pass back the "
                            "next_before of the previous page") from exc


