"""A rig's health, typed: its state and the problems behind it (what the pages show).

No imports from the rest of the commander: the farm model (:mod:`..dashboard.digest`) keeps a
:class:`RigHealth` and a :class:`PlaybookStatus` on each digest, and :mod:`.assess` computes
them from the digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

State = Literal["waiting", "online", "degraded", "offline"]
ProblemKind = Literal["miner_not_running", "miner_api_dead", "playbook_failed", "clock_skew",
                      "gpu_hot", "alert"]
# In the order the pages list them: the likely cause first (a failed playbook leaves its
# miner dead), the index row shows the first.
PROBLEM_KINDS: tuple[ProblemKind, ...] = ("playbook_failed", "miner_api_dead",
                                          "miner_not_running", "gpu_hot", "clock_skew",
                                          "alert")


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    key: str  # which miner, playbook or GPU: a problem keeps its ``since`` while its key stays
    label: str  # short, for the index row
    sentence: str  # what is wrong and what to do, for the rig's page
    since: datetime | None = None


@dataclass(frozen=True)
class RigHealth:
    """``state`` as of the last report; :meth:`shown` turns it offline once the rig is silent
    (no message arrives for that, so the pages ask with the time they render at)."""

    state: State = "waiting"
    problems: tuple[Problem, ...] = ()

    def shown(self, online: bool) -> State:
        if self.state == "waiting" or online:
            return self.state
        return "offline"

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


@dataclass(frozen=True)
class PlaybookOutcome:
    """One playbook's latest run on the rig (``POST /playbook-runs``)."""

    playbook_id: int | None
    status: Literal["success", "failed"]
    revision: str
    failed_task: str | None = None
    message: str | None = None
    at: datetime | None = None


@dataclass
class PlaybookStatus:
    """The outcomes of the rig's latest reported revision, one per playbook."""

    revision: str | None = None
    outcomes: dict[int | None, PlaybookOutcome] = field(default_factory=dict)

    def record(self, outcome: PlaybookOutcome) -> PlaybookOutcome | None:
        """Keep ``outcome``; a new revision forgets the old one's. Returns the previous
        outcome of the same playbook (same revision), if any."""
        if outcome.revision != self.revision:
            self.revision, self.outcomes = outcome.revision, {}
        previous = self.outcomes.get(outcome.playbook_id)
        self.outcomes[outcome.playbook_id] = outcome
        return previous

    def failed(self) -> list[PlaybookOutcome]:
        return [o for o in self.outcomes.values() if o.status == "failed"]
