"""From a rig's latest digest, its playbook status and the limits to a :class:`RigHealth`.

Pure: the farm model calls :func:`assess` after each report or playbook run it applies, and
keeps the result on the digest (the pages read it, the live websockets send it). A problem
seen in the previous health with the same kind and key keeps its ``since``.

- ``miner_api_dead``: the sentry got no answer from a miner's API (says which miner, which URL).
- ``miner_not_running``: a miner answers that it is not mining (paused or stopped).
- ``playbook_failed``: Ansible's failed task and message, in words
  (:mod:`minerfarm.ansible_support.failures`).
- ``gpu_hot``: a GPU (or its memory, where a sentry reports ``mem_temp_c``) above the limit.
- ``clock_skew``: the rig's clock is off the commander's by more than the flag limit.
- ``alert``: an alert rule fires on the rig or one of its ASICs (:mod:`..alerts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minerfarm.ansible_support.failures import explain
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.health.model import (
    PROBLEM_KINDS,
    PlaybookStatus,
    Problem,
    RigHealth,
    State,
)
from minerfarm.commander.reports.figures import number, objects, text


@dataclass(frozen=True)
class HealthLimits:
    gpu_hot_c: float = 85.0
    gpu_mem_hot_c: float = 100.0


def assess(digest: RigDigest, playbooks: PlaybookStatus | None, limits: HealthLimits,
           now: datetime, previous: RigHealth | None = None) -> RigHealth:
    if digest.last_seen is None and not (playbooks and playbooks.outcomes):
        return RigHealth("waiting")
    found: list[Problem] = []
    if digest.kind == "cpu_gpu":
        found += _miner_problems(digest.stats)
        found += _gpu_problems(digest.stats, limits)
    if playbooks is not None:
        found += _playbook_problems(playbooks)
    if digest.clock_skew_s is not None:
        found.append(_skew_problem(digest.clock_skew_s))
    found += [Problem("alert", str(alert_id), "alert: " + message.split(" on ", 1)[0],
                      f"Alert firing: {message}.", since)
              for alert_id, (message, since) in sorted(digest.alerts.items())]
    since = {(p.kind, p.key): p.since for p in previous.problems} if previous else {}
    stamped = [Problem(p.kind, p.key, p.label, p.sentence,
                       p.since or since.get((p.kind, p.key)) or now) for p in found]
    stamped.sort(key=lambda p: PROBLEM_KINDS.index(p.kind))
    state: State = "degraded" if stamped else "online"
    return RigHealth(state, tuple(stamped))


def _miner_problems(stats: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for index, miner in enumerate(objects(stats.get("miners"))):
        software = text(miner.get("software")) or "a miner"
        key = _miner_key(miner, index)
        url, error = text(miner.get("api_url")), text(miner.get("api_error"))
        if error is not None or (miner.get("running") is False and _legacy_dead(miner)):
            where = f" at {url}" if url else ""
            why = f" ({error})" if error else ""
            problems.append(Problem(
                "miner_api_dead", key, f"{software}: API not answering",
                f"{software} is not answering its API{where}{why}: the miner may have crashed "
                "or not started; its console is on the rig's Playbooks page."))
        elif miner.get("running") is False:
            at = f" at {url}" if url else ""
            problems.append(Problem(
                "miner_not_running", key, f"{software}: not mining",
                f"{software} answers its API{at} but is not mining (paused or stopped)."))
    return problems


def _legacy_dead(miner: dict[str, Any]) -> bool:
    """A sentry older than ``api_error`` sent only ``running: false`` for a dead API."""
    return set(miner) <= {"software", "playbook_id", "running", "api_url"}


def _miner_key(miner: dict[str, Any], index: int) -> str:
    playbook = miner.get("playbook_id")
    if isinstance(playbook, int):
        return f"playbook:{playbook}"
    return f"{text(miner.get('software')) or '?'}@{text(miner.get('api_url')) or index}"


def _gpu_problems(stats: dict[str, Any], limits: HealthLimits) -> list[Problem]:
    problems: list[Problem] = []
    for gpu in objects(stats.get("gpus")):
        index = gpu.get("index")
        name = f"GPU {index}" if isinstance(index, int) else "a GPU"
        temp, memory = number(gpu.get("temp_c")), number(gpu.get("mem_temp_c"))
        if temp is not None and temp > limits.gpu_hot_c:
            problems.append(Problem(
                "gpu_hot", f"gpu:{index}", f"{name} hot: {temp:.0f} °C",
                f"{name} is at {temp:.0f} °C, above {limits.gpu_hot_c:.0f} °C: check its "
                "fans and airflow, or lower its power limit."))
        elif memory is not None and memory > limits.gpu_mem_hot_c:
            problems.append(Problem(
                "gpu_hot", f"gpu:{index}", f"{name} memory hot: {memory:.0f} °C",
                f"{name}'s memory is at {memory:.0f} °C, above {limits.gpu_mem_hot_c:.0f} °C: "
                "check its fans and airflow, or lower its memory clock."))
    return problems


def _playbook_problems(playbooks: PlaybookStatus) -> list[Problem]:
    problems = []
    for outcome in playbooks.failed():
        words = explain(outcome.failed_task, outcome.message)
        problems.append(Problem("playbook_failed", f"playbook:{outcome.playbook_id}",
                                words.label, words.sentence, outcome.at))
    return problems


def _skew_problem(skew_s: float) -> Problem:
    size = abs(skew_s)
    amount = f"{size / 3600:.1f} h" if size >= 3600 else f"{size / 60:.0f} min"
    side = "ahead" if skew_s > 0 else "behind"
    return Problem("clock_skew", "clock", f"clock {amount} {side}",
                   f"The rig's clock is {amount} {side} the commander's: check NTP on the rig "
                   "(online/offline and charts use the commander's time).")
