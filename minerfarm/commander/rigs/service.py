"""Rigs (cpu/gpu rigs and ASIC sentries): the operations the API and the pages share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from minerfarm.commander import topics
from minerfarm.commander.auth.tokens import SentryRig, issue_token
from minerfarm.commander.db.lookup import get_or_404
from minerfarm.commander.db.models import AsicMiner, RetiredToken, Rig
from minerfarm.commander.errors import ApiError
from minerfarm.commander.state import commander_state


def is_online(rig: Rig, now: datetime | None = None) -> bool:
    if rig.last_seen is None:
        return False
    now = now or datetime.now(UTC)
    return now - rig.last_seen <= timedelta(seconds=commander_state().settings.offline_after_s)


def rig_summary(rig: Rig | SentryRig) -> dict[str, Any]:
    return {"id": rig.id, "name": rig.name, "kind": rig.kind}


def rig_out(rig: Rig, asics: list[AsicMiner] | None = None) -> dict[str, Any]:
    out = {
        **rig_summary(rig),
        "created_at": rig.created_at,
        "last_seen": rig.last_seen,
        "online": is_online(rig),
        "stats": _object(rig.latest_stats),
    }
    if asics is not None:
        out["asics"] = [asic_out(a) for a in asics]
    return out


def asic_out(asic: AsicMiner) -> dict[str, Any]:
    return {
        "id": asic.id, "ip": asic.ip, "mac": asic.mac, "make": asic.make, "model": asic.model,
        "model_variant": asic.model_variant, "firmware_version": asic.firmware_version,
        "software_version": asic.software_version, "online": asic.online,
        "last_seen": asic.last_seen, "stats": _object(asic.latest_stats),
    }


def _object(stats: Any) -> dict[str, Any] | None:
    """Stored stats as the API promises them (an object, or null): a row written by an older
    version may hold anything, and must not make the whole list answer 500."""
    return stats if isinstance(stats, dict) else None


def _name_taken(name: str) -> ApiError:
    return ApiError(409, "name_taken", f"a rig named {name!r} already exists; choose another name")


async def _publish(kind: str, rig_id: int, event: str, data: dict[str, Any]) -> None:
    pubsub = commander_state().pubsub
    await pubsub.publish(topics.rig_index(kind), event, data)
    await pubsub.publish(topics.rig(kind, rig_id), event, data)


async def create_rig(name: str, kind: str) -> tuple[Rig, str]:
    token = issue_token()
    rig = Rig(name=name, kind=kind, token_hash=token.secret_hash)
    try:
        async with commander_state().db() as session, session.begin():
            session.add(rig)
    except IntegrityError as exc:
        raise _name_taken(name) from exc
    await _publish(kind, rig.id, "created", rig_summary(rig))
    return rig, str(token)


async def get_rig(rig_id: int) -> Rig:
    async with commander_state().db() as session:
        return await get_or_404(session, Rig, rig_id, "rig")


async def rig_asics(rig_id: int) -> list[AsicMiner]:
    async with commander_state().db() as session:
        result = await session.scalars(
            select(AsicMiner).where(AsicMiner.rig_id == rig_id).order_by(AsicMiner.ip)
        )
        return list(result)


async def list_rigs(kind: str | None = None) -> list[Rig]:
    query = select(Rig).order_by(Rig.name)
    if kind:
        query = query.where(Rig.kind == kind)
    async with commander_state().db() as session:
        return list(await session.scalars(query))


async def rename_rig(rig_id: int, name: str) -> Rig:
    try:
        async with commander_state().db() as session, session.begin():
            rig = await get_or_404(session, Rig, rig_id, "rig")
            rig.name = name
    except IntegrityError as exc:
        raise _name_taken(name) from exc
    commander_state().token_cache.clear()
    await _publish(rig.kind, rig.id, "updated", rig_summary(rig))
    return rig


async def delete_rig(rig_id: int) -> None:
    state = commander_state()
    async with state.db() as session, session.begin():
        rig = await get_or_404(session, Rig, rig_id, "rig")
        session.add(RetiredToken(token_hash=rig.token_hash, rig_id=rig.id, reason="deleted"))
        await session.delete(rig)  # its reports, ASICs and playbooks go by ON DELETE CASCADE
    state.token_cache.clear()
    if state.queue is not None:
        await state.queue.forget_rig(rig_id)
    await _publish(rig.kind, rig.id, "deleted", rig_summary(rig))


async def regenerate_token(rig_id: int) -> tuple[Rig, str]:
    token = issue_token()
    async with commander_state().db() as session, session.begin():
        rig = await get_or_404(session, Rig, rig_id, "rig")
        session.add(RetiredToken(token_hash=rig.token_hash, rig_id=rig.id, reason="regenerated"))
        rig.token_hash = token.secret_hash
        rig.token_created_at = datetime.now(UTC)
    commander_state().token_cache.clear()
    # Other commanders drop their cached tokens on this message (their caches observe it).
    await _publish(rig.kind, rig.id, "updated", rig_summary(rig))
    return rig, str(token)
