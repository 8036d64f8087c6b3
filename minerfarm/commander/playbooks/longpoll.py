"""The long-poll behind ``GET /api/v1/sentry/playbooks?wait=S``: a sentry learns of a new
playbook revision at once instead of at its next 60 s poll.

It subscribes to the rig's topic (:func:`topics.rig`, where every playbook change is published)
*before* re-reading the revision, so a change between the two is not missed.
"""

from __future__ import annotations

import asyncio
import contextlib

from minerfarm.commander import topics
from minerfarm.commander.db.models import Rig
from minerfarm.commander.errors import ApiError
from minerfarm.commander.state import commander_state

MAX_WAIT_S = 60.0


async def current_rig(rig_id: int) -> Rig:
    async with commander_state().db() as session:
        rig = await session.get(Rig, rig_id)
    if rig is None:
        raise ApiError(410, "rig_removed", "this rig was removed from the commander")
    return rig


async def wait_for_revision_change(rig: Rig, known: str, wait_s: float) -> Rig:
    """The rig as it is when its revision differs from ``known``, or after ``wait_s``."""
    state = commander_state()
    async with state.pubsub.subscribe([topics.rig(rig.kind, rig.id)], maxsize=16) as updates:
        current = await current_rig(rig.id)
        if str(current.playbook_revision) != known:
            return current

        async def changed() -> None:
            async for message in updates:
                if message.event == "deleted" or "playbook_revision" in message.data \
                        or message.event == "overflow":
                    return

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed(), wait_s)
        return await current_rig(rig.id)
