"""What changed between two reports of a rig, as events (pure; the recorder keeps memory).

A miner is known by its playbook (or its software and API URL); it *started* when it appears
running or runs again, *crashed* when it was running and now is not (its API dead or it
stopped mining), *stopped* when it is no longer in the report. An ASIC goes online/offline
with its ``online`` flag. Only each batch's latest report per rig is published, so a flap
inside one batch (a spool replayed after an outage) is not seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from minerfarm.ansible_support.failures import explain
from minerfarm.commander.events.store import NewEvent
from minerfarm.commander.health.model import PlaybookOutcome
from minerfarm.commander.reports.figures import asic_identity, objects, text


@dataclass(frozen=True)
class MinerSeen:
    software: str
    running: bool | None
    api_url: str | None = None
    api_error: str | None = None


@dataclass
class RigMemory:
    """What the recorder last saw of a rig."""

    online: bool = False
    miners: dict[str, MinerSeen] = field(default_factory=dict)
    asics: dict[str, tuple[str, bool]] = field(default_factory=dict)  # identity: (ip, online)
    runs: dict[int | None, tuple[str, str, str | None]] = field(default_factory=dict)


def miners_of(stats: dict[str, Any]) -> dict[str, MinerSeen]:
    found: dict[str, MinerSeen] = {}
    for index, miner in enumerate(objects(stats.get("miners"))):
        software = text(miner.get("software")) or "miner"
        playbook = miner.get("playbook_id")
        url = text(miner.get("api_url"))
        key = f"playbook:{playbook}" if isinstance(playbook, int) else f"{software}@{url or index}"
        running = miner.get("running")
        found[key] = MinerSeen(software, running if isinstance(running, bool) else None, url,
                               text(miner.get("api_error")))
    return found


def asics_of(stats: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    return {asic_identity(a): (text(a.get("ip")) or "?", a.get("online") is True)
            for a in objects(stats.get("asics")) if text(a.get("ip"))}


def remember(stats: dict[str, Any], online: bool) -> RigMemory:
    return RigMemory(online, miners_of(stats), asics_of(stats))


def report_events(rig_id: int, before: RigMemory | None, stats: dict[str, Any],
                  at: datetime) -> tuple[list[NewEvent], RigMemory]:
    """The events a new report makes, and the memory to keep."""
    after = remember(stats, True)
    if before is not None:
        after.runs = before.runs
    old = before or RigMemory()
    events: list[NewEvent] = []
    if not old.online:
        message = "first report" if before is None else "reporting again"
        events.append(NewEvent(rig_id, "online", f"online: {message}", at))
    events += _miner_events(rig_id, old.miners, after.miners, at)
    events += _asic_events(rig_id, old.asics, after.asics, at)
    return events, after


def _miner_events(rig_id: int, old: dict[str, MinerSeen], new: dict[str, MinerSeen],
                  at: datetime) -> list[NewEvent]:
    events = []
    for key, miner in new.items():
        details = {"miner": key, "software": miner.software, "api_url": miner.api_url}
        was = old.get(key)
        if miner.running is True and (was is None or was.running is not True):
            events.append(NewEvent(rig_id, "miner_started", f"{miner.software} started", at,
                                   details=details))
        elif miner.running is False and was is not None and was.running is True:
            why = (f"not answering its API at {miner.api_url} ({miner.api_error})"
                   if miner.api_error else "stopped mining")
            events.append(NewEvent(rig_id, "miner_crashed", f"{miner.software} crashed: {why}",
                                   at, details={**details, "api_error": miner.api_error}))
    for key, miner in old.items():
        if key not in new:
            events.append(NewEvent(rig_id, "miner_stopped",
                                   f"{miner.software} stopped: no longer in the report", at,
                                   details={"miner": key, "software": miner.software}))
    return events


def _asic_events(rig_id: int, old: dict[str, tuple[str, bool]],
                 new: dict[str, tuple[str, bool]], at: datetime) -> list[NewEvent]:
    events = []
    for identity, (ip, online) in new.items():
        was = old.get(identity)
        if was is None and not online:
            continue  # first seen offline: nothing changed that we saw
        if was is None or was[1] != online:
            kind = "asic_online" if online else "asic_offline"
            events.append(NewEvent(rig_id, kind, f"ASIC {ip} {'online' if online else 'offline'}",
                                   at, asic=identity, details={"ip": ip}))
    return events


def offline_event(rig_id: int, last_seen: datetime | None, at: datetime) -> NewEvent:
    since = f" since {last_seen:%Y-%m-%d %H:%M:%S} UTC" if last_seen else ""
    return NewEvent(rig_id, "offline", f"offline: no report{since}", at,
                    details={"last_seen": last_seen.isoformat() if last_seen else None})


def run_event(rig_id: int, memory: RigMemory, outcome: PlaybookOutcome,
              at: datetime) -> NewEvent | None:
    """A playbook run, unless it repeats the last one (a sentry retrying a failed apply)."""
    seen = (outcome.revision, outcome.status, outcome.message)
    if memory.runs.get(outcome.playbook_id) == seen:
        return None
    memory.runs[outcome.playbook_id] = seen
    details = {"playbook_id": outcome.playbook_id, "revision": outcome.revision}
    name = f"playbook {outcome.playbook_id}" if outcome.playbook_id is not None else "playbooks"
    if outcome.status == "success":
        return NewEvent(rig_id, "playbook_applied", f"{name} applied (revision "
                        f"{outcome.revision})", at, details=details)
    words = explain(outcome.failed_task, outcome.message)
    return NewEvent(rig_id, "playbook_failed", f"{name} failed: {words.sentence}", at,
                    details={**details, "failed_task": outcome.failed_task,
                             "message": (outcome.message or "")[:1000], "cause": words.cause})
