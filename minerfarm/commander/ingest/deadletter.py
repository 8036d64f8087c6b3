"""Poison versus outage: which write failures are the data's fault, and where such data goes.

A report that fails to be stored *alone*, with an error about its data (too long for a
column, a NUL PostgreSQL text refuses, a number out of a column's range, a broken document),
is a dead letter: written to ``dead_letters`` with the reason, so it neither blocks the queue
nor is lost. An error about the database being away or busy (connection refused or dropped, a
server shutting down, SQLite locked, a deadlock) is an outage: the batch stays queued and is
retried. When in doubt it is an outage: retrying is safe, dead-lettering good data is not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander.db.models import DeadLetter

log = logging.getLogger(__name__)
REASON_MAX = 2000
# SQLSTATE classes of errors that say nothing about the data: connection exception, operator
# intervention (shutdown), insufficient resources, transaction rollback (deadlock), and
# system / internal errors.
_OUTAGE_CLASSES = ("08", "53", "57", "58", "40", "XX")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` says the database is unavailable, not that the data is bad."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    for link in _chain(exc):
        state = getattr(link, "sqlstate", None) or getattr(link, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state[:2] in _OUTAGE_CLASSES
        if isinstance(link, ValueError | UnicodeError | OverflowError | TypeError | KeyError):
            return False  # asyncpg's "invalid input for query argument" is a ValueError too
        if isinstance(link, ConnectionError | TimeoutError | OSError | DisconnectionError):
            return True
    return isinstance(exc, OperationalError | InterfaceError)


def reason_of(exc: BaseException) -> str:
    """The driver's own words (not SQLAlchemy's, which repeat the parameters: the payload)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return storable(f"{type(inner).__name__}: {inner}")[:REASON_MAX]


def storable(text: str) -> str:
    """Text every backend's TEXT column takes: no NUL, no lone surrogate."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


async def bury(engine: AsyncEngine, rig_id: int, seq: int | None, received_at: datetime,
               payload: str, reason: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(DeadLetter), {
            "rig_id": rig_id, "seq": seq, "received_at": received_at,
            "payload": storable(payload), "reason": storable(reason)[:REASON_MAX]})
    log.error("ingest: rig %s report seq %s could not be stored (%s); kept as a dead letter "
              "(GET /api/v1/dead-letters lists them)", rig_id, seq, reason)


async def bury_message(engine: AsyncEngine, data: bytes, reason: str) -> None:
    """A queued message that cannot be read at all (no rig, no seq): kept under rig 0."""
    await bury(engine, 0, None, datetime.now(UTC), data.decode("utf-8", "replace"), reason)


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(DeadLetter)) or 0)


async def newest(engine: AsyncEngine, limit: int,
                 rig_id: int | None = None) -> list[dict[str, object]]:
    query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    if rig_id is not None:
        query = query.where(DeadLetter.rig_id == rig_id)
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]
