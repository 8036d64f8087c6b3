"""Every kind of event, declared once: its name, what the page calls it, its tone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tone = Literal["good", "bad", "info"]


@dataclass(frozen=True)
class EventKind:
    name: str
    title: str
    tone: Tone


KINDS: dict[str, EventKind] = {k.name: k for k in (
    EventKind("online", "online", "good"),
    EventKind("offline", "offline", "bad"),
    EventKind("miner_started", "miner started", "good"),
    EventKind("miner_stopped", "miner stopped", "info"),
    EventKind("miner_crashed", "miner crashed", "bad"),
    EventKind("playbook_applied", "playbook applied", "good"),
    EventKind("playbook_failed", "playbook failed", "bad"),
    EventKind("asic_online", "ASIC online", "good"),
    EventKind("asic_offline", "ASIC offline", "bad"),
    # Reserved for the alerts (written by that feature, shown here like any other).
    EventKind("alert", "alert", "bad"),
)}


def kind_title(name: str) -> str:
    found = KINDS.get(name)
    return found.title if found else name


def kind_tone(name: str) -> Tone:
    found = KINDS.get(name)
    return found.tone if found else "info"
