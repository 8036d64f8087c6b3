"""Rig playbooks beyond CRUD: checked saves, one playbook applied to many rigs, the values
the sentry fills the placeholders with, each rig's last playbook runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from minerfarm.commander.db.lookup import not_found
from minerfarm.commander.db.models import MiningSoftware, Playbook, PlaybookRun, Rig
from minerfarm.commander.playbooks import store
from minerfarm.commander.playbooks.check import (
    check_addresses,
    invalid,
    parse_plays,
    syntax_check,
    used_placeholders,
)
from minerfarm.commander.playbooks.variables import addresses_by_id
from minerfarm.commander.state import commander_state


async def check_playbook(values: dict[str, Any]) -> None:
    """Every check, cheapest first; raises a 422 :class:`ApiError` naming the problem."""
    text = values["yaml"]
    plays = parse_plays(text)
    used = used_placeholders(text, plays)
    check_addresses(used, await addresses_by_id(values.get("address_ids") or []),
                    values.get("address_ids") or [])
    software_id = values.get("software_id")
    if software_id is not None:
        async with commander_state().db() as session:
            if await session.get(MiningSoftware, software_id) is None:
                raise invalid(f"no mining software with id {software_id}")
    await syntax_check(text)


async def save_checked(rig_id: int, values: dict[str, Any],
                       playbook_id: int | None = None) -> Playbook:
    await check_playbook(values)
    return await store.save_playbook(rig_id, values, playbook_id)


async def apply_to_rigs(rig_ids: list[int], values: dict[str, Any]) -> list[Playbook]:
    """The same playbook added to each rig (checked once); each rig's revision bumps."""
    async with commander_state().db() as session:
        found = set(await session.scalars(select(Rig.id).where(Rig.id.in_(rig_ids))))
    missing = sorted(set(rig_ids) - found)
    if missing:
        raise not_found("rig", ", ".join(map(str, missing)))
    await check_playbook(values)
    return [await store.save_playbook(rig_id, dict(values)) for rig_id in rig_ids]


async def last_runs(rig_ids: list[int]) -> dict[int, list[PlaybookRun]]:
    """Per rig, the runs of its latest reported revision (one per playbook)."""
    if not rig_ids:
        return {}
    async with commander_state().db() as session:
        latest = (select(PlaybookRun.rig_id, func.max(PlaybookRun.id).label("id"))
                  .where(PlaybookRun.rig_id.in_(rig_ids)).group_by(PlaybookRun.rig_id)
                  .subquery())
        newest = {r.rig_id: r for r in await session.scalars(
            select(PlaybookRun).join(latest, PlaybookRun.id == latest.c.id))}
        out: dict[int, list[PlaybookRun]] = {}
        for rig_id, run in newest.items():
            rows = await session.scalars(
                select(PlaybookRun).where(PlaybookRun.rig_id == rig_id,
                                          PlaybookRun.revision == run.revision)
                .order_by(PlaybookRun.id.desc()).limit(50))
            seen: dict[int | None, PlaybookRun] = {}
            for row in rows:
                seen.setdefault(row.playbook_id, row)
            out[rig_id] = sorted(seen.values(), key=lambda r: r.id)
    return out
