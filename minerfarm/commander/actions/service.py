"""Remote actions: who may be sent what, when (loop protection), and the audit log.

:meth:`ActionService.request` is the one way in (the admin API, the pages and alert rules all
call it). An accepted request is stored ``pending`` and published on the rig's actions topic,
which wakes the sentry's long-poll; the sentry's acknowledgement ends it (``done``,
``failed``, ``refused``), and one never acknowledged within ``action_expiry_s`` expires.

Loop protection, per rig: at most ``action_limit_per_hour`` actions in any hour, and between
two of the same kind a wait of ``action_backoff_s`` doubling with each action of the hour.
A request over the limit is refused ``gave_up``: the first such refusal is recorded in the
audit log and each ``on_gave_up`` callback is called once; later ones are refused quietly
until the hour has passed. A request inside the backoff is refused ``limited`` (not recorded:
a rule retrying each minute would fill the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from minerfarm.commander import topics
from minerfarm.commander.db.models import Rig, RigAction, RigActionKinds, utcnow
from minerfarm.commander.pubsub import PubSub
from minerfarm.commander.settings import Settings
from minerfarm.protocol.actions import ACTION_KINDS, Action, ActionAck

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
Refusal = Literal["limited", "gave_up", "not_a_cpu_gpu_rig", "no_such_rig", "not_supported"]
FINAL = ("done", "failed", "refused", "expired")
KIND_NAMES = {"restart_miner": "restart miner", "reapply_playbooks": "re-apply playbooks",
              "reboot": "reboot"}


@dataclass(frozen=True)
class ActionRequest:
    """What :meth:`ActionService.request` did: ``action`` stored (``refusal`` None), or
    refused with why (``message`` says it in words, ``retry_after_s`` when waiting helps)."""

    rig_id: int
    kind: str
    action: dict[str, Any] | None = None
    refusal: Refusal | None = None
    message: str = ""
    retry_after_s: float | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class GaveUp:
    """Sent to each ``on_gave_up`` callback, once per rig and hour the limit is reached."""

    rig_id: int
    rig_name: str
    kind: str
    requested_by: str
    actions_in_hour: int
    at: datetime


GaveUpHook = Callable[[GaveUp], Awaitable[None]]


def action_out(row: RigAction) -> dict[str, Any]:
    return {"id": row.id, "rig_id": row.rig_id, "kind": row.kind, "miner": row.miner,
            "requested_by": row.requested_by, "requested_at": row.requested_at,
            "status": row.status, "message": row.message, "delivered_at": row.delivered_at,
            "acked_at": row.acked_at}


@dataclass
class ActionService:
    db: Callable[[], AsyncSession]
    pubsub: PubSub
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    on_gave_up: list[GaveUpHook] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _kinds_seen: dict[int, str] = field(default_factory=dict)  # saves a write per long-poll

    async def request(self, rig_id: int, kind: str, *, requested_by: str,
                      miner: str | None = None) -> ActionRequest:
        """Store an action for the rig, or say why not (never raises for a refusal)."""
        if kind not in ACTION_KINDS:
            raise ValueError(f"unknown action kind {kind!r}: one of {', '.join(ACTION_KINDS)}")
        # One decision at a time: two requests cannot both pass the limit.
        async with self._lock, self.db() as session, session.begin():
            rig = await session.get(Rig, rig_id)
            refused = await self._refusal(session, rig, rig_id, kind)
            if refused is not None:
                gave_up = refused.refusal == "gave_up" and await self._record_gave_up(
                    session, rig_id, kind, requested_by)
            else:
                row = RigAction(rig_id=rig_id, kind=kind, miner=miner,
                                requested_by=requested_by[:128], requested_at=self.clock(),
                                status="pending")
                session.add(row)
                await session.flush()
                stored = action_out(row)
        if refused is not None:
            if gave_up and rig is not None:
                await self._notify(GaveUp(rig_id, rig.name, kind, requested_by,
                                          max(1, self.settings.action_limit_per_hour),
                                          self.clock()))
            return refused
        await self.pubsub.publish(topics.rig_actions(rig_id), "created",
                                  {"id": rig_id, "action": stored["id"], "kind": kind})
        log.info("action %s (%s) for rig %s requested by %s", stored["id"], kind, rig_id,
                 requested_by)
        return ActionRequest(rig_id, kind, stored, message=f"{KIND_NAMES[kind]} sent to the "
                             "rig; its outcome shows in the action history")

    async def _refusal(self, session: AsyncSession, rig: Rig | None, rig_id: int,
                       kind: str) -> ActionRequest | None:
        if rig is None:
            return ActionRequest(rig_id, kind, refusal="no_such_rig",
                                 message=f"there is no rig {rig_id}")
        if rig.kind != "cpu_gpu":
            return ActionRequest(rig_id, kind, refusal="not_a_cpu_gpu_rig", message=(
                f"{rig.name} is an ASIC sentry: ASICs are read-only, they take no actions"))
        kinds = await session.scalar(select(RigActionKinds.kinds)
                                     .where(RigActionKinds.rig_id == rig_id))
        if kinds is None:
            return ActionRequest(rig_id, kind, refusal="not_supported", message=(
                f"{rig.name}'s sentry has not said it takes remote actions: it is older than "
                "this commander (update it), or has not connected since it was"))
        if kind not in kinds.split(","):
            reason = ("reboots are off on this rig: set \"allow_reboot\": true in its "
                      "sentry.json and restart the sentry" if kind == "reboot" else
                      f"its sentry does not run {KIND_NAMES[kind]}")
            return ActionRequest(rig_id, kind, refusal="not_supported",
                                 message=f"{rig.name}: {reason}")
        now = self.clock()
        recent = list(await session.scalars(
            select(RigAction).where(RigAction.rig_id == rig_id,
                                    RigAction.requested_at > now - HOUR,
                                    RigAction.status != "gave_up")
            .order_by(RigAction.requested_at)))
        limit = max(1, self.settings.action_limit_per_hour)
        if len(recent) >= limit:
            wait = (recent[-limit].requested_at + HOUR - now).total_seconds()
            return ActionRequest(rig_id, kind, refusal="gave_up", retry_after_s=wait, message=(
                f"gave up: {rig.name} was sent {len(recent)} actions in the last hour (the "
                f"limit is {limit}); it takes new ones in {_minutes(wait)}"))
        same = [a for a in recent if a.kind == kind]
        if same:
            backoff = self.settings.action_backoff_s * 2 ** (len(recent) - 1)
            wait = (same[-1].requested_at + timedelta(seconds=backoff) - now).total_seconds()
            if wait > 0:
                return ActionRequest(rig_id, kind, refusal="limited", retry_after_s=wait,
                                     message=(f"{rig.name} was sent {KIND_NAMES[kind]} "
                                              f"recently; try again in {_minutes(wait)}"))
        return None

    async def _record_gave_up(self, session: AsyncSession, rig_id: int, kind: str,
                              requested_by: str) -> bool:
        """One ``gave_up`` row per episode: none since the rig's last sent action."""
        last_sent = await session.scalar(
            select(RigAction.requested_at).where(RigAction.rig_id == rig_id,
                                                 RigAction.status != "gave_up")
            .order_by(RigAction.requested_at.desc()).limit(1))
        already = await session.scalar(
            select(RigAction.id).where(RigAction.rig_id == rig_id,
                                       RigAction.status == "gave_up",
                                       RigAction.requested_at >= last_sent).limit(1)) \
            if last_sent is not None else None
        if already is not None:
            return False
        limit = max(1, self.settings.action_limit_per_hour)
        session.add(RigAction(rig_id=rig_id, kind=kind, requested_by=requested_by[:128],
                              requested_at=self.clock(), status="gave_up",
                              message=f"{limit} actions in an hour: no more until it has "
                                      "passed"))
        return True

    async def _notify(self, event: GaveUp) -> None:
        log.warning("gave up on rig %s (%s): %d actions in an hour", event.rig_id,
                    event.rig_name, event.actions_in_hour)
        for hook in list(self.on_gave_up):
            try:
                await hook(event)
            except Exception:  # one subscriber's bug must not stop the others
                log.exception("on_gave_up callback %r failed", hook)

    async def history(self, rig_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The rig's audit log, newest first (expired actions marked as such)."""
        async with self.db() as session:
            rows = list(await session.scalars(
                select(RigAction).where(RigAction.rig_id == rig_id)
                .order_by(RigAction.id.desc()).limit(limit)))
            if self._expire([r for r in rows if r.status == "pending"]):
                await session.commit()
            return [action_out(row) for row in rows]

    async def kinds(self, rig_id: int) -> frozenset[str] | None:
        """The kinds the rig's sentry runs; None: it never said (an older sentry)."""
        async with self.db() as session:
            kinds = await session.scalar(select(RigActionKinds.kinds)
                                         .where(RigActionKinds.rig_id == rig_id))
        return None if kinds is None else frozenset(k for k in kinds.split(",") if k)

    async def sentry_kinds(self, rig_id: int, kinds: frozenset[str]) -> None:
        """Record what the sentry said it runs (only when it changed)."""
        text = ",".join(sorted(kinds))
        if self._kinds_seen.get(rig_id) == text:
            return
        async with self.db() as session, session.begin():
            row = await session.get(RigActionKinds, rig_id)
            if row is None:
                session.add(RigActionKinds(rig_id=rig_id, kinds=text, reported_at=self.clock()))
            elif row.kinds != text:
                row.kinds, row.reported_at = text, self.clock()
        self._kinds_seen[rig_id] = text

    async def deliver(self, rig_id: int) -> list[Action]:
        """The rig's actions not acknowledged yet, oldest first, marked delivered. Only reads
        while there are none (every long-poll asks)."""
        async with self.db() as session:
            rows = list(await session.scalars(
                select(RigAction).where(RigAction.rig_id == rig_id,
                                        RigAction.status == "pending")
                .order_by(RigAction.id)))
            if not rows:
                return []
            expired = self._expire(rows)
            now = self.clock()
            live = [row for row in rows if row not in expired]
            for row in live:
                row.delivered_at = row.delivered_at or now
            actions = [Action(id=r.id, kind=r.kind, miner=r.miner, requested_at=r.requested_at)
                       for r in live]
            await session.commit()
            return actions

    def _expire(self, pending: list[RigAction]) -> list[RigAction]:
        """Mark those of ``pending`` older than the expiry; the ones marked."""
        expiry = self.settings.action_expiry_s
        cutoff = self.clock() - timedelta(seconds=expiry)
        old = [row for row in pending if row.requested_at < cutoff]
        for row in old:
            row.status = "expired"
            row.message = f"the rig's sentry did not acknowledge it within {expiry} s"
        return old

    async def acknowledge(self, rig_id: int, action_id: int,
                          ack: ActionAck) -> dict[str, Any] | None:
        """Store the sentry's outcome; the action (as it now is), None if not this rig's.
        Acknowledging again changes nothing (the first outcome stays)."""
        async with self.db() as session, session.begin():
            row = await session.get(RigAction, action_id)
            if row is None or row.rig_id != rig_id or row.status == "gave_up":
                return None
            if row.status not in ("done", "failed", "refused"):  # expired: the rig still did it
                row.status, row.message, row.acked_at = ack.outcome, ack.message, self.clock()
            stored = action_out(row)
        await self.pubsub.publish(topics.rig_actions(rig_id), "updated",
                                  {"id": rig_id, "action": action_id, "status": stored["status"]})
        return stored

    async def request_many(self, rig_ids: Sequence[int], kind: str, *,
                           requested_by: str) -> list[ActionRequest]:
        return [await self.request(rig_id, kind, requested_by=requested_by)
                for rig_id in dict.fromkeys(rig_ids)]


def _minutes(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"
