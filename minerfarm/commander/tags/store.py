"""The ``rig_tags`` table: a rig's tags read and replaced, and rigs selected by tag.

Replacing a rig's tags publishes ``updated`` with ``{"id", "tags"}`` on the rig index topic, so
the farm model (and every index page) follows without a reload.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander import topics
from minerfarm.commander.db.lookup import get_or_404
from minerfarm.commander.db.models import Rig, RigTag
from minerfarm.commander.state import commander_state
from minerfarm.commander.tags.rules import check_tags, parse_selector


async def rig_tags(rig_id: int) -> list[str]:
    async with commander_state().db() as session:
        await get_or_404(session, Rig, rig_id, "rig")
        return list(await session.scalars(
            select(RigTag.tag).where(RigTag.rig_id == rig_id).order_by(RigTag.tag)))


async def set_tags(rig_id: int, tags: Iterable[str]) -> list[str]:
    """Replace the rig's tags (checked: :class:`~.rules.TagError` names what is wrong)."""
    clean = check_tags(tags)
    async with commander_state().db() as session, session.begin():
        rig = await get_or_404(session, Rig, rig_id, "rig")
        await session.execute(delete(RigTag).where(RigTag.rig_id == rig_id))
        session.add_all([RigTag(rig_id=rig_id, tag=t) for t in clean])
        kind = rig.kind
    data = {"id": rig_id, "tags": clean}
    pubsub = commander_state().pubsub
    await pubsub.publish(topics.rig_index(kind), "updated", data)
    await pubsub.publish(topics.rig(kind, rig_id), "updated", data)
    return clean


async def all_tags(session: AsyncSession) -> dict[int, list[str]]:
    """Every rig's tags (the farm model loads them once at start)."""
    out: dict[int, list[str]] = {}
    rows = await session.execute(
        select(RigTag.rig_id, RigTag.tag).order_by(RigTag.rig_id, RigTag.tag))
    for rig_id, tag in rows:
        out.setdefault(rig_id, []).append(tag)
    return out


async def rigs_matching(selector: str | Iterable[str]) -> list[int]:
    """Ids of the rigs (and ASIC sentries) carrying every tag of ``selector`` (``"site:berlin
    rack:a3"`` or a list), in id order; an empty selector selects every rig. For the alert
    rules: raises :class:`~.rules.TagError` on a malformed selector."""
    wanted = parse_selector(selector)
    async with commander_state().db() as session:
        if not wanted:
            return list(await session.scalars(select(Rig.id).order_by(Rig.id)))
        query = (select(RigTag.rig_id).where(RigTag.tag.in_(wanted)).group_by(RigTag.rig_id)
                 .having(func.count(RigTag.tag) == len(wanted)).order_by(RigTag.rig_id))
        return list(await session.scalars(query))
