"""The long-poll behind ``GET /api/v1/sentry/playbooks?wait=S``: a sentry learns of a new
playbook revision at once instead of at its next 60 s poll.

It subscribes to the rig's topic (:func:`topics.rig`, where every playbook change is published)
*before* re-reading the revision, so a change between the two is not missed. For a sentry that
takes remote actions it also wakes on a new action (:func:`topics.rig_actions`).
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


async def wait_for_revision_change(rig: Rig, known: str, wait_s: float,
                                   actions: bool = False) -> Rig:
    """The rig as it is when its revision differs from ``known``, or after ``wait_s``; with
    ``actions``, also as soon as an action is requested for it (or one was pending)."""
    state = commander_state()
    watched = [topics.rig(rig.kind, rig.id)] + ([topics.rig_actions(rig.id)] if actions else [])
    async with state.pubsub.subscribe(watched, maxsize=16) as updates:
        current = await current_rig(rig.id)
        if str(current.playbook_revision) != known:
            return current
        if actions and await state.actions.deliver(rig.id):
            return current

        async def changed() -> None:
            async for message in updates:
                if message.event == "deleted" or "playbook_revision" in message.data \
                        or message.event == "overflow" or (
                            message.topic == watched[-1] and message.event == "created"
                            and actions):
                    return

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed(), wait_s)
        return await current_rig(rig.id)
