"""What the sentry fills a playbook's placeholders with (the ``vars`` of each entry of
``GET /api/v1/sentry/playbooks``): the picked pool and wallet, the worker name."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from minerfarm.commander.db.models import Address, Playbook, Rig
from minerfarm.commander.state import commander_state
from minerfarm.protocol.playbooks import API_HOST


async def addresses_by_id(ids: list[int]) -> list[Address]:
    if not ids:
        return []
    async with commander_state().db() as session:
        return list(await session.scalars(select(Address).where(Address.id.in_(ids))))


def worker_name(rig_name: str) -> str:
    """Pools accept few characters in a worker name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", rig_name)[:64] or "rig"


async def placeholder_values(rig: Rig, playbooks: list[Playbook]) -> dict[int, dict[str, Any]]:
    """Per playbook, what the sentry fills ``{{ pool }}``, ``{{ wallet }}``... with."""
    ids = sorted({i for p in playbooks for i in (p.address_ids or [])})
    addresses = {a.id: a for a in await addresses_by_id(ids)}
    out: dict[int, dict[str, Any]] = {}
    for playbook in playbooks:
        values: dict[str, Any] = {"worker": worker_name(rig.name), "api_host": API_HOST}
        for address_id in playbook.address_ids or []:
            address = addresses.get(address_id)
            if address is not None:
                values.setdefault(address.type, address.value)
                values.setdefault("coin", address.coin)
        out[playbook.id] = values
    return out


