"""The alert engine: rules evaluated over the farm model on a tick, off the ingest path.

Every ``alert_tick_s`` it reads the aggregator's digests (the latest report of each rig, kept
in memory) and never the reports table; each rig's snapshots are rebuilt only when its digest
changed. A condition must hold for the rule's ``for_s`` to fire (pending -> firing), and be
clear for ``for_s`` (past the hysteresis band) to resolve, so one noisy sample does neither.
Firing and resolved alerts are stored with their history (:mod:`.history`); pending ones live
in memory. Baselines (median of the last hour's per-minute hashrate, from the chart rollups),
last playbook runs and silences are refreshed every ``rollup_interval_s``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minerfarm.commander import topics
from minerfarm.commander.alerts import history
from minerfarm.commander.alerts.notify import Notification, Notifier
from minerfarm.commander.alerts.rules import KINDS, Kind, Rule, Snapshot, breach, value_text
from minerfarm.commander.alerts.snapshots import snapshots
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.db.models import (
    Alert,
    AlertChannel,
    AlertEvent,
    AlertNotification,
    AlertRule,
    AlertSilence,
    PlaybookRun,
    StatRollup,
)
from minerfarm.commander.pubsub import PubSub
from minerfarm.commander.settings import Settings
from minerfarm.commander.tags.rules import matches, parse_selector

log = logging.getLogger(__name__)
Key = tuple[int, int, str]  # (rule id, rig id, subject)


@dataclass
class Track:
    """One rule on one subject."""

    state: str = "ok"  # "ok" | "pending" | "firing"
    since: datetime | None = None  # pending since, or (firing) clear since
    alert_id: int | None = None
    value: float | None = None
    started_at: datetime | None = None
    message: str = ""


@dataclass
class Seen:
    """What the engine remembers of a subject between reports."""

    offline_since: datetime | None = None
    back_at: datetime | None = None
    accepted: float | None = None
    accepted_at: datetime | None = None


@dataclass(frozen=True)
class Change:
    key: Key
    rule: Rule
    snap: Snapshot
    state: str  # "firing" | "resolved" | "instant"
    value: float | None
    message: str


class AlertEngine:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 aggregator: FarmAggregator, pubsub: PubSub, notifier: Notifier,
                 app_state: Any = None) -> None:
        self.settings, self.sessions, self.aggregator = settings, sessions, aggregator
        self.pubsub, self.notifier, self.app_state = pubsub, notifier, app_state
        self.rules: list[Rule] = []
        self._full = True  # evaluate every subject at the next tick (rules changed)
        self.tracks: dict[Key, Track] = {}
        self.seen: dict[tuple[int, str], Seen] = {}
        self.silences: list[AlertSilence] = []
        self.baselines: dict[tuple[int, str], float] = {}
        self.failed_playbooks: set[int] = set()
        self._built: dict[int, tuple[int, bool, list[Snapshot]]] = {}
        self._boards: dict[tuple[int, str], int] = {}
        self.ticks = 0
        self.cpu_s = 0.0  # the event loop thread's CPU time spent in ticks (GET /alert-engine)

    # -- configuration ------------------------------------------------------------------
    async def reload(self) -> None:
        """Rules, channels and silences from the database (after any change to them)."""
        async with self.sessions() as session:
            self.rules = [_plain(r) for r in await session.scalars(select(AlertRule).order_by(
                AlertRule.id)) if r.kind in KINDS and r.enabled]
            channels = {c.id: c.url for c in await session.scalars(select(AlertChannel))}
            self.silences = list(await session.scalars(select(AlertSilence).where(
                AlertSilence.until > datetime.now(UTC))))
        self.notifier.set_channels(channels)
        live = {r.id for r in self.rules}
        self._full = True
        for key in [k for k in self.tracks if k[0] not in live]:
            del self.tracks[key]  # their stored alerts are resolved by the API that removed them

    async def start(self) -> None:
        await self.reload()
        async with self.sessions() as session:
            for alert in await session.scalars(select(Alert).where(Alert.state == "firing")):
                self.tracks[(alert.rule_id, alert.rig_id, alert.subject)] = Track(
                    "firing", None, alert.id, alert.value, alert.started_at, alert.message)
        await self.refresh()

    def silenced(self, rule_id: int, rig_id: int, now: datetime) -> bool:
        return any(s.until > now and s.rig_id in (None, rig_id) and s.rule_id in (None, rule_id)
                   for s in self.silences)

    # -- periodic -------------------------------------------------------------------------
    async def run(self) -> None:
        """Evaluate forever (with NATS: while this commander holds the jobs lease). Starts by
        sending what the outbox holds; stopping stops this commander's deliveries, and the
        rows they had not cleared stay for the next run or leader."""
        try:
            await self.resume_outbox()
            await self._run()
        finally:
            await self.notifier.close()

    async def resume_outbox(self) -> None:
        await self.reload()
        async with self.sessions() as session:
            rows = list(await session.execute(select(
                AlertNotification.id, AlertNotification.channel_id, AlertNotification.payload)
                .order_by(AlertNotification.id)))
        for row_id, channel_id, payload in rows:
            try:
                item = Notification.from_json(payload)
            except (ValueError, TypeError, KeyError):
                log.warning("alerts: outbox row %d is not a notification; dropped", row_id)
                await self.clear_outbox([row_id])
                continue
            self.notifier.enqueue([channel_id], item, {channel_id: row_id})
        if rows:
            log.info("alerts: %d notifications left by the last run are being sent", len(rows))

    async def clear_outbox(self, row_ids: list[int]) -> None:
        """The notifier's ``settle``: these rows were delivered, or given up on."""
        async with self.sessions() as session, session.begin():
            await session.execute(delete(AlertNotification).where(
                AlertNotification.id.in_(row_ids)))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_refresh = loop.time() + self.settings.rollup_interval_s
        while True:
            await asyncio.sleep(self.settings.alert_tick_s)
            try:
                if loop.time() >= next_refresh:
                    next_refresh = loop.time() + self.settings.rollup_interval_s
                    await self.refresh()
                started = time.thread_time()
                await self.tick()
                # an upper bound: a tick's awaits (only when alerts change) count others' CPU
                self.cpu_s += time.thread_time() - started
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad round must not end alerting
                log.exception("alerts: this round failed; will retry")

    async def refresh(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        kinds = {r.kind.name for r in self.rules}
        async with self.sessions() as session:
            if "hashrate_below" in kinds:
                self.baselines = await _baselines(session, now)
            if "playbook_failed" in kinds:
                self.failed_playbooks = await _failed_playbooks(session)
            self.silences = list(await session.scalars(select(AlertSilence).where(
                AlertSilence.until > now)))
        cut = now - timedelta(days=self.settings.alert_retention_days)
        async with self.sessions() as session, session.begin():
            await session.execute(delete(Alert).where(Alert.state == "resolved",
                                                      Alert.resolved_at < cut))
            await session.execute(delete(AlertEvent).where(AlertEvent.at < cut))
            await session.execute(delete(AlertSilence).where(AlertSilence.until < now))

    # -- evaluation -----------------------------------------------------------------------
    def _subjects(self, now: datetime) -> tuple[dict[int, list[Snapshot]], set[int]]:
        """Every rig's snapshots, and the rigs whose snapshots changed since the last tick."""
        out: dict[int, list[Snapshot]] = {}
        changed: set[int] = set()
        for rig_id, digest in self.aggregator.rigs.items():
            if digest.last_seen is None:
                continue  # never reported: not "offline", just not set up yet
            online = self.aggregator.is_online(digest, now)
            built = self._built.get(rig_id)
            if built is None or built[0] != digest.version or built[1] != online:
                built = (digest.version, online, snapshots(digest, online, self._boards))
                self._built[rig_id] = built
                changed.add(rig_id)
            for snap in built[2]:
                self._clock_fields(snap, digest.last_seen, now)
            out[rig_id] = built[2]
        for rig_id in [r for r in self._built if r not in self.aggregator.rigs]:
            del self._built[rig_id]
        return out, changed

    def _clock_fields(self, snap: Snapshot, last_seen: datetime, now: datetime) -> None:
        seen = self.seen.get((snap.rig_id, snap.subject))
        if seen is None:
            seen = self.seen[(snap.rig_id, snap.subject)] = Seen()
        if not snap.online:
            if seen.offline_since is None:
                seen.offline_since = last_seen if not snap.subject else now
            seen.back_at = None
            snap.offline_s = (now - (last_seen if not snap.subject else seen.offline_since)
                              ).total_seconds()
        else:
            if seen.offline_since is not None:
                seen.back_at, seen.offline_since = now, None
            snap.offline_s = None
        snap.back_online_s = None if seen.back_at is None else (now - seen.back_at).total_seconds()
        if snap.accepted is not None and (seen.accepted is None or snap.accepted > seen.accepted
                                          or snap.accepted < seen.accepted * 0.5):
            seen.accepted, seen.accepted_at = snap.accepted, now  # grew, or the miner restarted
        snap.no_share_s = (None if seen.accepted_at is None or snap.accepted is None
                           else (now - seen.accepted_at).total_seconds())
        snap.baseline_hs = self.baselines.get((snap.rig_id, snap.subject))
        snap.playbook_failed = not snap.subject and snap.rig_id in self.failed_playbooks

    def evaluate(self, now: datetime) -> list[Change]:
        """One pass. A rule whose verdict only moves with reports (most) looks at the rigs
        that reported since the last pass and at its own pending and firing alerts; one
        that moves with the clock (no accepted share for N minutes) looks at every rig."""
        subjects, changed = self._subjects(now)
        full, self._full = self._full, False
        tracked: dict[int, set[int]] = {}
        for rule_id, rig_id, _subject in self.tracks:
            tracked.setdefault(rule_id, set()).add(rig_id)
        changes: list[Change] = []
        for rule in self.rules:
            rigs: Any = subjects if full or rule.kind.timed else \
                changed | tracked.get(rule.id, set())
            if rule.rig_ids is not None:
                rigs = [r for r in rule.rig_ids if r in rigs]
            if rule.tags:  # tagged now: a rig tagged later is watched from then on
                farm = self.aggregator.rigs
                rigs = [r for r in rigs if r in farm and matches(farm[r].tags, list(rule.tags))]
            for rig_id in rigs:
                for snap in subjects.get(rig_id, ()):
                    change = self._step(rule, rule.kind, snap, now)
                    if change is not None:
                        changes.append(change)
        changes.extend(self._gone(subjects))
        return changes

    def _step(self, rule: Rule, kind: Kind, snap: Snapshot, now: datetime) -> Change | None:
        key = (rule.id, snap.rig_id, snap.subject)
        track = self.tracks.get(key)
        firing = track is not None and track.state == "firing"
        holds, value = breach(kind, snap, rule.threshold, rule.hysteresis, rule.sensor, firing)
        if holds is None:
            return None
        if track is None:
            if not holds:
                return None
            track = self.tracks[key] = Track()
        track.value = value if value is not None else track.value
        if not firing:
            if not holds:
                del self.tracks[key]
                return None
            if track.state == "ok":
                track.state, track.since = "pending", now
            if (now - (track.since or now)).total_seconds() < rule.for_s:
                return None
            if kind.instant:
                del self.tracks[key]
                return Change(key, rule, snap, "instant", value, self._message(rule, snap, value))
            track.state, track.since, track.started_at = "firing", None, now
            track.message = self._message(rule, snap, value)
            return Change(key, rule, snap, "firing", value, track.message)
        if holds:
            track.since = None
            return None
        track.since = track.since or now
        if (now - track.since).total_seconds() < rule.for_s:
            return None
        del self.tracks[key]
        return Change(key, rule, snap, "resolved", value,
                      self._message(rule, snap, value, track.alert_id))

    def _gone(self, subjects: dict[int, list[Snapshot]]) -> list[Change]:
        """Firing alerts of rigs (or ASICs) no longer there: resolved, no notification."""
        if not self.tracks:
            return []
        present = {(s.rig_id, s.subject) for snaps in subjects.values() for s in snaps}
        rules = {r.id: r for r in self.rules}
        out = []
        for key, track in list(self.tracks.items()):
            if (key[1], key[2]) in present or key[1] in subjects or key[0] not in rules:
                continue
            del self.tracks[key]
            if track.state == "firing":
                snap = Snapshot(rig_id=key[1], rig_name=f"rig {key[1]}", rig_kind="",
                                subject=key[2])
                out.append(Change(key, rules[key[0]], snap, "removed", None,
                                  f"{rules[key[0]].name}: rig {key[1]} was removed"))
        return out

    def _message(self, rule: Rule, snap: Snapshot, value: float | None,
                 alert_id: int | None = None) -> str:
        where = snap.rig_name if snap.asic_ip is None else f"{snap.rig_name} ASIC {snap.asic_ip}"
        return f"{rule.name} on {where}: {value_text(rule.kind, value, rule.threshold)}"

    async def _publish_firing(self, rig_id: int) -> None:
        """The rig's firing alerts, whole, on its index and own topics: every commander's farm
        model lists them among the rig's problems, and its pages show them live."""
        digest = self.aggregator.rigs.get(rig_id)
        if digest is None:
            return
        firing = sorted(((k[2], t) for k, t in self.tracks.items()  # (subject, track)
                         if t.state == "firing" and k[1] == rig_id and t.alert_id is not None),
                        key=lambda st: st[1].started_at or datetime.min.replace(tzinfo=UTC))
        data = {"id": rig_id, "alerts": [
            {"id": t.alert_id, "message": t.message, "subject": subject,
             "since": t.started_at.isoformat() if t.started_at else None}
            for subject, t in firing]}
        await self.pubsub.publish(topics.rig_index(digest.kind), "updated", data)
        await self.pubsub.publish(topics.rig(digest.kind, rig_id), "updated", data)

    def pending(self) -> list[tuple[Key, Track]]:
        return [(k, t) for k, t in self.tracks.items() if t.state == "pending"]

    # -- effects --------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> list[Change]:
        now = now or datetime.now(UTC)
        self.ticks += 1
        changes = self.evaluate(now)
        if not changes:
            return changes
        published, notes = await self._store(changes, now)
        for data in published:
            await self.pubsub.publish(history.TOPIC, "updated", data)
        for rig_id in sorted({change.key[1] for change in changes}):
            await self._publish_firing(rig_id)
        for channel_ids, item, rows in notes:
            self.notifier.enqueue(channel_ids, item, rows)
        for change in changes:
            await self._act(change)
        return changes

    async def _store(self, changes: list[Change], now: datetime) -> tuple[
            list[dict[str, Any]], list[Note]]:
        """The alert changes, their history and their notifications' outbox rows, in one
        transaction: an alert is never stored without the notifications it owes."""
        published = []
        async with self.sessions() as session, session.begin():
            for change in changes:
                rule_id, rig_id, subject = change.key
                silenced = self.silenced(rule_id, rig_id, now)
                if change.state in ("firing", "instant"):
                    alert = Alert(rule_id=rule_id, rig_id=rig_id, subject=subject,
                                  asic_ip=change.snap.asic_ip, value=change.value,
                                  message=change.message, silenced=silenced, started_at=now,
                                  state="firing" if change.state == "firing" else "resolved",
                                  resolved_at=None if change.state == "firing" else now)
                    session.add(alert)
                    await session.flush()
                    alert_id: int | None = alert.id
                    if change.state == "firing":
                        self.tracks[change.key].alert_id = alert_id
                else:
                    alert_id = await session.scalar(select(Alert.id).where(
                        Alert.rule_id == rule_id, Alert.rig_id == rig_id,
                        Alert.subject == subject, Alert.state == "firing"))
                    await session.execute(update(Alert).where(Alert.id == alert_id).values(
                        state="resolved", resolved_at=now))
                published.append(history.record(
                    session, alert_id=alert_id, rule_id=rule_id, rig_id=rig_id,
                    state="firing" if change.state == "firing" else "resolved",
                    message=change.message, at=now, value=change.value))
            notes = await _owe(session, [
                (list(change.rule.channel_ids or []), item) for change in changes
                if (item := self._notification(change, now)) is not None])
        return published, notes

    def _notification(self, change: Change, now: datetime) -> Notification | None:
        rule_id, rig_id, _subject = change.key
        if change.state == "removed" or self.silenced(rule_id, rig_id, now):
            return None
        kind = change.rule.kind
        state = "firing" if change.state in ("firing", "instant") else "resolved"
        return Notification(
            state=state, rule=change.rule.name, rig=change.snap.rig_name,
            value=value_text(kind, change.value, change.rule.threshold), at=now,
            asic_ip=change.snap.asic_ip, asic_model=change.snap.asic_model)

    async def _act(self, change: Change) -> None:
        rule_id, rig_id, _subject = change.key
        actions = getattr(self.app_state, "actions", None)
        if (change.state == "firing" and change.rule.action and actions is not None
                and not change.snap.subject and change.snap.rig_kind == "cpu_gpu"):
            try:
                await actions.request(rig_id, change.rule.action,
                                      requested_by=f"rule:{rule_id}")
            except Exception:  # an action refused must not stop the other alerts
                log.exception("alerts: action %s for rig %s failed", change.rule.action, rig_id)


    async def gave_up(self, event: Any) -> None:
        """The watchdog stopped acting on a rig (``actions.GaveUp``): said once, on the
        channels of the rule that asked for the action."""
        requested_by = str(getattr(event, "requested_by", ""))
        rule_id = requested_by.removeprefix("rule:")
        rule = next((r for r in self.rules if str(r.id) == rule_id), None)
        if rule is None:
            return
        item = Notification(
            state="gave up", rule=rule.name, rig=str(event.rig_name),
            value=f"{event.kind} was sent {event.actions_in_hour} times in the last hour; "
                  f"no more until the hour has passed: look at the rig",
            at=event.at)
        async with self.sessions() as session, session.begin():
            (note,) = await _owe(session, [(list(rule.channel_ids or []), item)])
        self.notifier.enqueue(*note)


Note = tuple[list[int], Notification, dict[int, int]]  # channels, what, outbox row per channel


async def _owe(session: AsyncSession,
               wanted: list[tuple[list[int], Notification]]) -> list[Note]:
    """Write the outbox rows of each (channels, notification) in ``session``: one per channel
    that still exists, all in one flush (a storm of 500 alerts is one round trip)."""
    if not wanted:
        return []
    known = set(await session.scalars(select(AlertChannel.id)))
    rows = [[AlertNotification(channel_id=c, payload=item.to_json(), created_at=item.at)
             for c in channel_ids if c in known] for channel_ids, item in wanted]
    session.add_all([row for per_item in rows for row in per_item])
    await session.flush()
    return [([r.channel_id for r in per_item], item, {r.channel_id: r.id for r in per_item})
            for per_item, (_, item) in zip(rows, wanted, strict=True)]


def _plain(rule: AlertRule) -> Rule:
    return Rule(rule.id, rule.name, KINDS[rule.kind], rule.threshold, rule.hysteresis,
                rule.sensor, rule.for_s, None if rule.rig_ids is None else frozenset(rule.rig_ids),
                tuple(rule.channel_ids or ()), rule.action,
                tuple(parse_selector((rule.selector or {}).get("tags") or "")))


async def _baselines(session: AsyncSession, now: datetime) -> dict[tuple[int, str], float]:
    """Median of each rig's (and each ASIC's) per-minute hashrate over the last hour."""
    rows = await session.execute(select(StatRollup.rig_id, StatRollup.asic,
                                        StatRollup.hashrate_hs).where(
        StatRollup.period_s == 60, StatRollup.bucket >= now - timedelta(hours=1),
        StatRollup.hashrate_hs.is_not(None)))
    series: dict[tuple[int, str], list[float]] = {}
    for rig_id, asic, rate in rows:
        if rate is not None and not asic.startswith("§"):  # per-algorithm series are not a subject
            series.setdefault((rig_id, asic), []).append(rate)
    return {key: statistics.median(values) for key, values in series.items()}


async def _failed_playbooks(session: AsyncSession) -> set[int]:
    """Rigs whose latest applied revision has a failed playbook run."""
    newest = select(PlaybookRun.rig_id, func.max(PlaybookRun.id).label("id")).group_by(
        PlaybookRun.rig_id).subquery()
    latest = (await session.execute(select(PlaybookRun.rig_id, PlaybookRun.revision).join(
        newest, PlaybookRun.id == newest.c.id))).all()
    if not latest:
        return set()
    failed = await session.scalars(select(PlaybookRun.rig_id).where(
        tuple_(PlaybookRun.rig_id, PlaybookRun.revision).in_([tuple(r) for r in latest]),
        PlaybookRun.status == "failed"))
    return set(failed)

