"""A rig's health from its digest and playbook runs: state, and each problem in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.health.assess import HealthLimits, assess
from minerfarm.commander.health.model import PlaybookOutcome, PlaybookStatus
from tests.support import utc_ts

LIMITS = HealthLimits(gpu_hot_c=85, gpu_mem_hot_c=100)
XMRIG_URL = "http://127.0.0.1:18088"


def _digest(**stats: Any) -> RigDigest:
    digest = RigDigest(1, "rig-1", "cpu_gpu")
    digest.apply_stats({"ts": utc_ts(), **stats}, datetime.now(UTC), 1)
    return digest


def _miner(**fields: Any) -> dict[str, Any]:
    return {"software": "xmrig", "playbook_id": 3, "api_url": XMRIG_URL, **fields}


def test_a_rig_that_never_reported_is_waiting() -> None:
    health = assess(RigDigest(1, "new", "cpu_gpu"), PlaybookStatus(), LIMITS, datetime.now(UTC))
    assert health.state == "waiting" and not health.problems
    assert health.shown(online=False) == "waiting"


def test_a_healthy_rig_is_online_and_goes_offline_when_silent() -> None:
    digest = _digest(miners=[_miner(running=True, hashrate_hs=5000.0)],
                     gpus=[{"index": 0, "temp_c": 70}])
    health = assess(digest, None, LIMITS, datetime.now(UTC))
    assert health.state == "online" and health.problems == ()
    assert health.shown(online=False) == "offline"


def test_a_dead_miner_api_names_the_miner_and_its_url() -> None:
    digest = _digest(miners=[_miner(running=False, api_error="connection refused")])
    health = assess(digest, None, LIMITS, datetime.now(UTC))
    assert health.state == "degraded"
    problem = health.problems[0]
    assert problem.kind == "miner_api_dead"
    assert problem.label == "xmrig: API not answering"
    assert f"xmrig is not answering its API at {XMRIG_URL} (connection refused)" \
        in problem.sentence


def test_a_paused_miner_is_not_running() -> None:
    digest = _digest(miners=[_miner(running=False, hashrate_hs=None, version="6.22.1")])
    (problem,) = assess(digest, None, LIMITS, datetime.now(UTC)).problems
    assert problem.kind == "miner_not_running" and "not mining" in problem.sentence


def test_an_older_sentrys_dead_miner_still_counts_as_dead() -> None:
    digest = _digest(miners=[{"software": "xmrig", "playbook_id": 7, "running": False}])
    (problem,) = assess(digest, None, LIMITS, datetime.now(UTC)).problems
    assert problem.kind == "miner_api_dead"


def test_a_failed_playbook_says_why_in_words() -> None:
    status = PlaybookStatus()
    at = datetime.now(UTC) - timedelta(minutes=3)
    status.record(PlaybookOutcome(
        5, "failed", "2", "install_miner : Download xmrig 6.22.1 and verify its sha256",
        "Request failed: <urlopen error [Errno -2] Name or service not known>\n"
        "url: https://github.com/xmrig/xmrig/releases/x.tar.gz", at))
    health = assess(_digest(), status, LIMITS, datetime.now(UTC))
    (problem,) = health.problems
    assert health.state == "degraded" and problem.kind == "playbook_failed"
    assert problem.label == "could not download (no DNS)"
    assert problem.sentence.startswith(
        "The rig could not download https://github.com/xmrig/xmrig/releases/x.tar.gz (no DNS")
    assert problem.since == at
    # a success of the same revision clears it; a new revision forgets the old runs
    status.record(PlaybookOutcome(5, "success", "2"))
    assert assess(_digest(), status, LIMITS, datetime.now(UTC)).state == "online"


def test_hot_gpus_and_their_memory_against_the_limits() -> None:
    digest = _digest(gpus=[{"index": 0, "temp_c": 84}, {"index": 1, "temp_c": 91},
                           {"index": 2, "temp_c": 60, "mem_temp_c": 104}])
    problems = assess(digest, None, LIMITS, datetime.now(UTC)).problems
    assert [p.label for p in problems] == ["GPU 1 hot: 91 °C", "GPU 2 memory hot: 104 °C"]
    cooler = assess(digest, None, HealthLimits(gpu_hot_c=95, gpu_mem_hot_c=110),
                    datetime.now(UTC))
    assert cooler.problems == ()


def test_clock_skew_is_a_problem_and_problems_keep_their_since() -> None:
    digest = RigDigest(1, "rig-1", "cpu_gpu")
    digest.apply_stats({"ts": utc_ts(-3 * 3600), "miners": [_miner(running=False,
                                                                    api_error="timed out")]},
                       datetime.now(UTC), 1, skew_flag_s=300)
    first = assess(digest, None, LIMITS, datetime.now(UTC) - timedelta(minutes=10))
    kinds = [p.kind for p in first.problems]
    assert kinds == ["miner_api_dead", "clock_skew"]  # the most useful first
    assert "behind" in first.problems[1].label
    later = assess(digest, None, LIMITS, datetime.now(UTC), previous=first)
    assert [p.since for p in later.problems] == [p.since for p in first.problems]


def test_the_farm_model_follows_runs_and_forgets_them_when_the_playbooks_change() -> None:
    from minerfarm.commander import topics
    from minerfarm.commander.dashboard.aggregator import FarmAggregator
    from minerfarm.commander.pubsub import Message

    farm = FarmAggregator(offline_after_s=30)
    index = topics.rig_index("cpu_gpu")
    farm.observe(Message(index, "created", {"id": 1, "name": "r", "kind": "cpu_gpu"}))
    farm.observe(Message(index, "updated", {
        "id": 1, "playbook_run": "failed", "playbook_id": 4, "revision": "2",
        "failed_task": "install_miner : Download x", "at": datetime.now(UTC).isoformat(),
        "message": "Request failed\nHTTP Error 404: File not found\nurl: http://h/x.tgz"}))
    digest = farm.rigs[1]
    assert digest.health.state == "degraded"
    assert digest.health.first is not None
    assert digest.health.first.label == "could not download (404, no such file)"
    version = digest.version
    farm.observe(Message(index, "updated", {"id": 1, "playbook_revision": 3}))
    assert digest.health.problems == () and digest.version != version
