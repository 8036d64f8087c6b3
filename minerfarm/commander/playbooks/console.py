"""Miner console lines are kept per rig up to a bound: about the newest ``KEEP_LINES`` (a
chatty miner prints a couple of lines a second; the rig keeps its whole console, rotated, on
disk). Pruning walks the ``(rig_id, ts)`` index, so it runs about once per ``PRUNE_EVERY``
stored lines rather than on every batch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select

from minerfarm.commander.db.models import MinerLogLine
from minerfarm.commander.state import commander_state

KEEP_LINES = 20_000
PRUNE_EVERY = 1_000


async def store_and_prune(session: Any, rows: list[dict[str, Any]], rig_id: int) -> None:
    """Insert ``rows`` (one rig's lines) and, now and then, drop the rig's oldest lines."""
    await session.execute(insert(MinerLogLine), rows)
    newest = await session.scalar(select(func.max(MinerLogLine.id)))
    if newest is None or newest // PRUNE_EVERY == (newest - len(rows)) // PRUNE_EVERY:
        return
    cutoff = (await session.execute(
        select(MinerLogLine.ts, MinerLogLine.id).where(MinerLogLine.rig_id == rig_id)
        .order_by(MinerLogLine.ts.desc(), MinerLogLine.id.desc())
        .offset(KEEP_LINES).limit(1))).first()
    if cutoff is not None:
        ts, line_id = cutoff
        await session.execute(delete(MinerLogLine).where(
            MinerLogLine.rig_id == rig_id,
            or_(MinerLogLine.ts < ts, and_(MinerLogLine.ts == ts, MinerLogLine.id <= line_id))))


async def newest_lines(rig_id: int, limit: int) -> list[MinerLogLine]:
    async with commander_state().db() as session:
        rows = await session.scalars(select(MinerLogLine).where(MinerLogLine.rig_id == rig_id)
                                     .order_by(MinerLogLine.id.desc()).limit(limit))
        return list(reversed(list(rows)))


async def lines_after(rig_id: int, after: int, limit: int) -> list[MinerLogLine]:
    async with commander_state().db() as session:
        return list(await session.scalars(
            select(MinerLogLine).where(MinerLogLine.rig_id == rig_id, MinerLogLine.id > after)
            .order_by(MinerLogLine.id).limit(limit)))


def line_out(line: MinerLogLine) -> dict[str, Any]:
    return {"id": line.id, "ts": line.ts.strftime("%H:%M:%S"), "playbook_id": line.playbook_id,
            "line": line.line}
