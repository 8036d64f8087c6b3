"""Follows the bus and writes each rig's events: one instance per commander.

It observes the same topics as the farm model (registered after it, so a report's digest is
already applied and its JSON is not parsed twice), turns transitions into events
(:mod:`.detect`), and a task of its own writes them in batches, then publishes each rig's new
events on ``topics.rig_events(rig_id)`` (the rig's and the ASIC's pages follow it). A rig that
stops reporting sends nothing: the same task checks every few seconds which rigs went silent
for ``offline_after_s``, and applies the retention hourly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander import topics
from minerfarm.commander.dashboard.aggregator import FarmAggregator, all_topics
from minerfarm.commander.events import detect, store
from minerfarm.commander.health.runs import outcome_from_message
from minerfarm.commander.pubsub import Message, PubSub

log = logging.getLogger(__name__)
PENDING_MAX = 100_000  # events waiting for the writer; beyond, the oldest are dropped (logged)
PRUNE_EVERY_S = 3600.0
FAILURES_MAX = 60  # writes of one batch (every few seconds: minutes of a database outage)


class EventRecorder:
    def __init__(self, engine: AsyncEngine, pubsub: PubSub, farm: FarmAggregator,
                 retention_days: int, check_every_s: float = 5.0) -> None:
        self.engine, self.pubsub, self.farm = engine, pubsub, farm
        self.retention = timedelta(days=retention_days)
        self.check_every_s = check_every_s
        self.memory: dict[int, detect.RigMemory] = {}
        self.pending: list[store.NewEvent] = []
        self.dropped = 0
        self.wake = asyncio.Event()
        self.written = 0
        self.failures = 0
        # Several commanders (NATS) all see every report; only the one holding the singleton
        # lease writes events (the others keep their memory current, to take over).
        self.writing = True

    def start(self) -> None:
        """Seed the memory from the farm model (loaded), then follow the bus."""
        for rig_id, digest in self.farm.rigs.items():
            if digest.last_seen is None:
                continue
            memory = detect.remember(digest.stats, self.farm.is_online(digest))
            for outcome in digest.playbooks.outcomes.values():
                memory.runs[outcome.playbook_id] = (outcome.revision, outcome.status,
                                                    outcome.message)
            self.memory[rig_id] = memory
        self.pubsub.observe(all_topics(), self.observe)
        self.pubsub.observe([topics.ALERTS], self.observe_alert)

    def observe_alert(self, message: Message) -> None:
        """An alert firing, resolved or acknowledged goes in its rig's event log too."""
        data = message.data
        rig_id, state = data.get("rig_id"), data.get("state")
        if not isinstance(rig_id, int) or state not in ("firing", "resolved", "acknowledged"):
            return
        self._add([store.NewEvent(rig_id, "alert", f"alert {state}: {data.get('message', '')}",
                                  datetime.now(UTC), details={
                                      "alert_id": data.get("id"), "rule_id": data.get("rule_id"),
                                      "state": state})])

    # -- the bus (synchronous, cheap) ------------------------------------------------------
    def observe(self, message: Message) -> None:
        rig_id = message.data.get("id")
        if not isinstance(rig_id, int):
            return
        if message.event == "deleted":
            self.memory.pop(rig_id, None)
            return
        now = datetime.now(UTC)
        if "stats" in message.data:
            self._report(rig_id, message.data, now)
        elif "playbook_run" in message.data:
            outcome = outcome_from_message(message.data)
            if outcome is not None:
                memory = self.memory.setdefault(rig_id, detect.RigMemory())
                event = detect.run_event(rig_id, memory, outcome, outcome.at or now)
                if event is not None:
                    self._add([event])

    def _report(self, rig_id: int, data: dict[str, Any], now: datetime) -> None:
        digest = self.farm.rigs.get(rig_id)
        if digest is None or digest.seq != data.get("seq"):
            return  # not applied by the farm model (an old or unreadable report): no change
        seen = digest.last_seen or now
        events, memory = detect.report_events(rig_id, self.memory.get(rig_id), digest.stats,
                                              seen)
        self.memory[rig_id] = memory
        self._add(events)

    def _add(self, events: list[store.NewEvent]) -> None:
        if not events or not self.writing:
            return
        self.pending.extend(events)
        if len(self.pending) > PENDING_MAX:
            extra = len(self.pending) - PENDING_MAX
            del self.pending[:extra]
            self.dropped += extra
            log.warning("events: the writer fell behind; %d events dropped so far",
                        self.dropped)
        self.wake.set()

    # -- the task --------------------------------------------------------------------------
    def check_offline(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        for rig_id, memory in self.memory.items():
            digest = self.farm.rigs.get(rig_id)
            if memory.online and digest is not None and not self.farm.is_online(digest, now):
                memory.online = False
                self._add([detect.offline_event(rig_id, digest.last_seen, now)])

    async def flush(self) -> int:
        batch, self.pending = self.pending, []
        if not batch:
            return 0
        try:
            rows = await store.write(self.engine, batch)
        except Exception:
            self.failures += 1
            if self.failures < FAILURES_MAX:
                self.pending[:0] = batch  # kept for the next round (the database may be back)
            else:
                log.error("events: %d events dropped after %d failed writes", len(batch),
                          self.failures)
                self.failures = 0
            raise
        self.failures = 0
        self.written += len(rows)
        for row in rows:
            await self.pubsub.publish(topics.rig_events(row.rig_id), "created",
                                      {"id": row.rig_id, "event_id": row.id, "kind": row.kind,
                                       "asic": row.asic})
        return len(rows)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        pruned_at = -PRUNE_EVERY_S
        while True:
            try:
                self.check_offline()
                await self.flush()
                if loop.time() - pruned_at >= PRUNE_EVERY_S:
                    pruned_at = loop.time()
                    gone = await store.prune(self.engine, datetime.now(UTC) - self.retention)
                    if gone:
                        log.info("events: %d older than the retention deleted", gone)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("events: writing failed; will retry")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.check_every_s):
                    await self.wake.wait()
            await asyncio.sleep(0.05)  # gather a burst into one transaction
