"""The farm aggregator: every rig's digest and the farm totals, in memory, kept current.

One instance per commander. It loads the rigs once at start, then observes the pub/sub topics
(rigs created/renamed/deleted, reports stored) as they are published, before any page is
woken for them: pages read it and never write into it, and never recompute totals from the
database. Applying a message is idempotent (reports by receive time and ``seq``, deletions by id).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from minerfarm.commander import topics
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.dashboard.totals import FarmTotals, RunningTotals, share_of
from minerfarm.commander.db.models import Alert, Rig
from minerfarm.commander.health.assess import HealthLimits, assess
from minerfarm.commander.health.model import PlaybookStatus
from minerfarm.commander.health.runs import latest_statuses, outcome_from_message
from minerfarm.commander.pubsub import Message, PubSub
from minerfarm.commander.reports.figures import usable_report
from minerfarm.commander.tags.store import all_tags

log = logging.getLogger(__name__)
KINDS = ("cpu_gpu", "asic")


def all_topics() -> list[str]:
    return [name for kind in KINDS for name in (topics.rig_index(kind),
                                                 topics.operational_stats(kind))]


class FarmAggregator:
    def __init__(self, offline_after_s: float, skew_flag_s: float = 300.0,
                 limits: HealthLimits | None = None) -> None:
        self.offline_after = timedelta(seconds=offline_after_s)
        self.skew_flag_s = skew_flag_s
        self.limits = limits or HealthLimits()
        self.rigs: dict[int, RigDigest] = {}
        self._gone: set[int] = set()  # deleted: a late report must not bring them back
        self.version = 0
        self._running = RunningTotals()
        self._rebuilt_at = -1.0
        self._held: list[Message] | None = None  # messages that arrive while loading

    # -- state ---------------------------------------------------------------------------
    async def load(self, sessions: async_sessionmaker[Any]) -> None:
        """(Re)read every rig from the database; messages published meanwhile are applied
        after the snapshot, in order, so none is lost to it."""
        self._held = []
        try:
            async with sessions() as session:
                rows = list(await session.scalars(select(Rig)))
                tags = await all_tags(session)
                runs = await latest_statuses(session)
                firing = list(await session.execute(select(
                    Alert.id, Alert.rig_id, Alert.message, Alert.started_at,
                    Alert.subject).where(
                    Alert.state == "firing")))
            fresh: dict[int, RigDigest] = {}
            for rig in rows:
                digest = RigDigest(rig.id, rig.name, rig.kind, tags=tuple(tags.get(rig.id, ())))
                if rig.id in runs:
                    digest.playbooks = runs[rig.id]
                digest.alerts = {a.id: (a.message, a.started_at) for a in firing
                                 if a.rig_id == rig.id}
                digest.alert_subjects = {a.id: a.subject for a in firing if a.rig_id == rig.id}
                # Stored by any version: brought to the protocol's shape, or shown as no report.
                stats = usable_report(rig.latest_stats, f"rig {rig.id}'s latest report")
                if stats is not None and rig.last_seen is not None:
                    digest.apply_stats(stats, rig.last_seen, rig.last_seq or 0,
                                       self.skew_flag_s)
                self._assess(digest)
                fresh[rig.id] = digest
            self.rigs = fresh
            self._rebuilt_at = -1.0  # rebuild the totals at the next ask
            self._changed()
        finally:  # loaded or not, what arrived meanwhile is applied
            held, self._held = self._held, None
            for message in held:
                self.observe(message)

    def is_online(self, digest: RigDigest, now: datetime | None = None) -> bool:
        if digest.last_seen is None:
            return False
        return (now or datetime.now(UTC)) - digest.last_seen <= self.offline_after

    def of_kind(self, kind: str) -> list[RigDigest]:
        return sorted((d for d in self.rigs.values() if d.kind == kind),
                      key=lambda d: (d.name.lower(), d.id))

    def _changed(self, rig_id: int | None = None) -> None:
        self.version += 1
        if rig_id is not None:
            self._share_changed(rig_id)

    # -- messages ------------------------------------------------------------------------
    def observe(self, message: Message) -> int | None:
        """Apply one message; returns the rig id it changed, or None if nothing changed."""
        if self._held is not None:
            self._held.append(message)
            return None
        data, rig_id = message.data, message.data.get("id")
        if not isinstance(rig_id, int):
            return None
        if message.event == "created":
            self._gone.discard(rig_id)  # SQLite may give a new rig a deleted rig's id
        elif rig_id in self._gone:
            return None
        if message.event == "deleted":
            self._gone.add(rig_id)
            self.rigs.pop(rig_id, None)
            self._changed(rig_id)
            return rig_id
        if "stats" in data:
            return self._observe_report(message.topic, rig_id, data)
        if "playbook_run" in data:
            return self._observe_run(rig_id, data)
        if "playbook_revision" in data:
            return self._observe_revision(rig_id, str(data["playbook_revision"]))
        if "alerts" in data:
            return self._observe_alerts(rig_id, data["alerts"])
        digest = self.rigs.get(rig_id)
        if digest is not None and "tags" in data:
            digest.retag(list(data["tags"]))
        elif digest is None and "name" in data:
            self.rigs[rig_id] = RigDigest(rig_id, data["name"], data["kind"])
        elif digest is not None and data.get("name", digest.name) != digest.name:
            digest.rename(data["name"])
        else:
            return None
        self._changed(rig_id)
        return rig_id

    def _observe_report(self, topic: str, rig_id: int, data: dict[str, Any]) -> int | None:
        digest = self.rigs.get(rig_id)
        if digest is None:  # its "created" was lost (overflow): the next load names it
            kind = "asic" if topic.startswith("asic") else "cpu_gpu"
            digest = self.rigs[rig_id] = RigDigest(rig_id, f"rig {rig_id}", kind)
        seen = datetime.fromisoformat(data["last_seen"])
        # Ordered by the commander's receive time, not by seq: a sentry reinstalled with a
        # lower seq must not look frozen. A seq is stored once per rig, so the shown one again
        # is the same report (applying a message twice changes nothing).
        if data["seq"] == digest.seq or (digest.last_seen is not None
                                         and seen < digest.last_seen):
            return None
        stats = data["stats"]
        try:
            if isinstance(stats, str):  # RawJson: orjson wants a plain str
                stats = orjson.loads(str(stats))
            digest.apply_stats(stats, seen, data["seq"], self.skew_flag_s)
            self._assess(digest)
        except (ValueError, TypeError, AttributeError, KeyError):
            # Validated on the way in, so this is a bug: one rig's report must not stop the
            # farm's pages (this runs inside the publisher).
            log.exception("dashboard: rig %s report seq %s cannot be shown; skipped",
                          rig_id, data.get("seq"))
            return None
        self._changed(rig_id)
        return rig_id

    def _observe_run(self, rig_id: int, data: dict[str, Any]) -> int | None:
        digest, outcome = self.rigs.get(rig_id), outcome_from_message(data)
        if digest is None or outcome is None:
            return None
        digest.playbooks.record(outcome)
        self._assess(digest)
        digest.touch()
        self._changed(rig_id)
        return rig_id

    def _observe_revision(self, rig_id: int, revision: str) -> int | None:
        """The rig's playbooks changed: the runs of the revision before no longer say what it
        runs (a failed playbook that was deleted must not stay a problem)."""
        digest = self.rigs.get(rig_id)
        if digest is None or digest.playbooks.revision in (None, revision):
            return None
        digest.playbooks = PlaybookStatus(revision)
        self._assess(digest)
        digest.touch()
        self._changed(rig_id)
        return rig_id

    def _observe_alerts(self, rig_id: int, alerts: Any) -> int | None:
        """What fires on the rig now (the alert engine sends the whole list on a change)."""
        digest = self.rigs.get(rig_id)
        if digest is None or not isinstance(alerts, list):
            return None
        firing: dict[int, tuple[str, datetime | None]] = {}
        subjects: dict[int, str] = {}
        for alert in alerts:
            if isinstance(alert, dict) and isinstance(alert.get("id"), int):
                since = alert.get("since")
                firing[alert["id"]] = (str(alert.get("message", "")),
                                       datetime.fromisoformat(since) if since else None)
                subjects[alert["id"]] = str(alert.get("subject") or "")
        if firing == digest.alerts and subjects == digest.alert_subjects:
            return None
        digest.alerts, digest.alert_subjects = firing, subjects
        self._assess(digest)
        digest.touch()
        self._changed(rig_id)
        return rig_id

    def _assess(self, digest: RigDigest) -> None:
        digest.health = assess(digest, digest.playbooks, self.limits, datetime.now(UTC),
                               digest.health)

    async def follow(self, pubsub: PubSub, sessions: async_sessionmaker[Any]) -> None:
        """Observe the topics from now on, then load (started by the app, once)."""
        pubsub.observe(all_topics(), self.observe)
        await self.load(sessions)

    # -- totals --------------------------------------------------------------------------
    def totals(self, now: datetime | None = None) -> FarmTotals:
        """Current totals: incremental per report, rebuilt at most once a second (a rig going
        stale changes them without any message)."""
        clock = time.monotonic()
        if now is not None or clock - self._rebuilt_at >= 1.0:
            moment = now or datetime.now(UTC)
            self._running.rebuild(self.rigs.values(), lambda d: self.is_online(d, moment))
            self._rebuilt_at = clock
        return self._running.totals

    @property
    def totals_version(self) -> int:
        return self._running.version

    def _share_changed(self, rig_id: int) -> None:
        digest = self.rigs.get(rig_id)
        self._running.put(rig_id, share_of(digest, self.is_online(digest)) if digest else None)
