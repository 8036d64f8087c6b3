"""Address templates, the mining software catalog and rig playbooks: storage and revisions.

Every change to a rig's playbooks bumps the rig's ``playbook_revision``; the sentry polls
``GET /playbooks`` with ``If-None-Match`` and applies a new revision when it sees one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander import topics
from minerfarm.commander.db.lookup import get_or_404
from minerfarm.commander.db.models import Address, MiningSoftware, Playbook, Rig
from minerfarm.commander.errors import ApiError
from minerfarm.commander.playbooks.variables import placeholder_values
from minerfarm.commander.state import commander_state
from minerfarm.protocol.playbooks import DesiredPlaybook, DesiredPlaybooks, PlaybookSoftware

CATALOG: dict[str, type[Address] | type[MiningSoftware]] = {
    "addresses": Address,
    "software": MiningSoftware,
}


def row_out(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}


async def list_rows(model: Any) -> list[Any]:
    async with commander_state().db() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def get_row(model: Any, row_id: int) -> Any:
    async with commander_state().db() as session:
        return await get_or_404(session, model, row_id, f"{model.__tablename__} entry")


async def save_row(model: Any, values: dict[str, Any], row_id: int | None = None) -> Any:
    bumped: list[Rig] = []
    try:
        async with commander_state().db() as session, session.begin():
            if row_id is None:
                row = model(**values)
                session.add(row)
            else:
                row = await get_or_404(session, model, row_id, "entry")
                for key, value in values.items():
                    setattr(row, key, value)
                bumped = await _bump_users(session, model, row_id)
    except IntegrityError as exc:
        raise ApiError(409, "conflict", "an entry with the same name and version exists") from exc
    for rig in bumped:
        await _announce(rig)
    return row


async def _bump_users(session: Any, model: Any, row_id: int) -> list[Rig]:
    """A changed address or software entry changes what its playbooks' rigs must run: bump
    those rigs' revisions so their sentries apply it."""
    users = await _users(session, model, row_id)
    return [await _bump(session, rig_id) for rig_id in sorted({p.rig_id for p in users})]


async def _users(session: Any, model: Any, row_id: int) -> list[Playbook]:
    """The playbooks that use an address template or a software entry."""
    if model is Address:
        return [p for p in await session.scalars(select(Playbook))
                if row_id in (p.address_ids or [])]
    if model is MiningSoftware:
        return list(await session.scalars(select(Playbook).where(
            Playbook.software_id == row_id)))
    return []


async def delete_row(model: Any, row_id: int) -> None:
    async with commander_state().db() as session, session.begin():
        row = await get_or_404(session, model, row_id, "entry")
        users = await _users(session, model, row_id)
        if users:
            names = ", ".join(f"{p.name!r} (rig {p.rig_id})" for p in users[:5])
            raise ApiError(409, "in_use", f"{model.__tablename__} entry {row_id} is used by the "
                           f"playbooks {names}: change or delete those playbooks first")
        await session.delete(row)


# -- playbooks ---------------------------------------------------------------------------

async def rig_playbooks(rig_id: int) -> list[Playbook]:
    async with commander_state().db() as session:
        return list(await session.scalars(
            select(Playbook).where(Playbook.rig_id == rig_id).order_by(Playbook.id)
        ))


async def _bump(session: AsyncSession, rig_id: int) -> Rig:
    rig = await get_or_404(session, Rig, rig_id, "rig")
    rig.playbook_revision += 1
    return rig


async def save_playbook(rig_id: int, values: dict[str, Any],
                        playbook_id: int | None = None) -> Playbook:
    async with commander_state().db() as session, session.begin():
        rig = await _bump(session, rig_id)
        if playbook_id is None:
            playbook = Playbook(rig_id=rig_id, **values)
            session.add(playbook)
        else:
            found = await session.get(Playbook, playbook_id)
            if found is None or found.rig_id != rig_id:
                raise ApiError(404, "not_found", f"rig {rig_id} has no playbook {playbook_id}")
            playbook = found
            for key, value in values.items():
                setattr(playbook, key, value)
            playbook.updated_at = datetime.now(UTC)
    await _announce(rig)
    return playbook


async def delete_playbook(rig_id: int, playbook_id: int) -> None:
    async with commander_state().db() as session, session.begin():
        playbook = await session.get(Playbook, playbook_id)
        if playbook is None or playbook.rig_id != rig_id:
            raise ApiError(404, "not_found", f"rig {rig_id} has no playbook {playbook_id}")
        rig = await _bump(session, rig_id)
        await session.delete(playbook)
    await _announce(rig)


async def _announce(rig: Rig) -> None:
    data = {"id": rig.id, "playbook_revision": rig.playbook_revision}
    pubsub = commander_state().pubsub
    # The index topic too: the farm model forgets the old revision's failures (rig health)
    await pubsub.publish(topics.rig_index(rig.kind), "updated", data)
    await pubsub.publish(topics.rig(rig.kind, rig.id), "updated", data)


async def desired_playbooks(rig: Rig) -> DesiredPlaybooks:
    """What ``GET /api/v1/sentry/playbooks`` answers: the revision and each playbook."""
    playbooks = await rig_playbooks(rig.id)
    software = {s.id: s for s in await list_rows(MiningSoftware)}
    values = await placeholder_values(rig, playbooks)
    return DesiredPlaybooks(
        revision=str(rig.playbook_revision),
        playbooks=[
            DesiredPlaybook(
                id=p.id, name=p.name, yaml=p.yaml, vars=values[p.id],
                software=(PlaybookSoftware(**row_out(software[p.software_id]))
                          if p.software_id in software else None))
            for p in playbooks
        ],
    )
