"""Every adapter on every captured reply, served over a real loopback socket by the simulator,
read the way the sentry reads it (``read_miner``)."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
from sentry_captures import CASES, REPO, Case
from sentry_helpers import approx_tree

from minerfarm.sentry.miners import REGISTRY, read_miner
from minerfarm.sentry.miners.registry import UNVERIFIED, read_miner_with_gpus
from minerfarm.sentry.simulator import simulate

NBMINER_START_TIME = 1637549633  # "start_time" in the NBMiner capture


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_adapter_reads_capture(case: Case) -> None:
    async with simulate(case.software, case.reply_paths()) as miner:
        result = await read_miner(case.software, miner.url, timeout_s=2)
    actual = result.model_dump(mode="json", exclude_none=True)
    for key in case.ignore:
        actual.pop(key)
    assert actual == approx_tree(case.expected)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_adapter_reads_gpu_figures_from_capture(case: Case) -> None:
    async with simulate(case.software, case.reply_paths()) as miner:
        _, gpus = await read_miner_with_gpus(case.software, miner.url, timeout_s=2)
    actual = [{k: v for k, v in dataclasses.asdict(gpu).items() if v is not None}
              for gpu in gpus]
    assert actual == approx_tree(list(case.gpus))


def test_every_registered_adapter_has_a_capture_test() -> None:
    """Every adapter but the unverified ones (no full capture exists) is tested on one."""
    assert {case.software for case in CASES} == set(REGISTRY) - UNVERIFIED


def test_every_adapter_request_is_covered_by_a_capture() -> None:
    for software, adapter in REGISTRY.items():
        if software in UNVERIFIED:
            continue
        covered = {name for case in CASES if case.software == software for name in case.replies}
        assert covered == set(adapter.requests), software


async def test_nbminer_uptime_counts_from_start_time() -> None:
    case = next(case for case in CASES if case.software == "nbminer")
    async with simulate("nbminer", case.reply_paths()) as miner:
        before = time.time()
        result = await read_miner("nbminer", miner.url)
        after = time.time()
    assert result.uptime_s is not None
    assert before - NBMINER_START_TIME <= result.uptime_s <= after - NBMINER_START_TIME


async def test_teamredminer_without_pools_reply_sums_the_gpus_shares() -> None:
    """``pools`` is optional: a miner refusing it still gives hashrates, and the shares come
    from the GPUs (60+53+70+73+55+60 accepted, 2+1+1+4+0+4 rejected; no stale count)."""
    case = next(case for case in CASES if case.software == "teamredminer")
    async with simulate("teamredminer", {"devs": case.reply_paths()["devs"]}) as miner:
        result = await read_miner("teamredminer", miner.url)
        assert miner.requests_seen == ["devs", "pools"]
    assert result.pool is None and result.algorithm is None
    assert result.shares is not None
    assert (result.shares.accepted, result.shares.rejected, result.shares.stale) == (371, 12, None)
    assert result.hashrate_hs == pytest.approx(12573.0)


async def test_xmrig_without_backends_has_no_devices_but_its_totals() -> None:
    case = next(case for case in CASES if case.software == "xmrig")
    async with simulate("xmrig", {"summary": case.reply_paths()["summary"]}) as miner:
        result = await read_miner("xmrig", miner.url)
    assert result.devices == []
    assert result.hashrate_hs == pytest.approx(4884.25)


def test_readme_lists_every_miner_with_the_capture_versions_it_is_tested_on() -> None:
    section = (REPO / "README.md").read_text().split("\n## Supported miners\n")[1]
    rows = {found[1]: line for line in section.split("\n## ")[0].splitlines()
            if (found := re.match(r"\| (?!miner )[^|]*\(`([a-z0-9]+)`\)", line))}
    assert set(rows) == set(REGISTRY)
    for case in CASES:
        tested = rows[case.software].rstrip(" |").rsplit("|", 1)[-1]
        assert case.id.rsplit("-", 1)[-1] in tested, case.id
    for software in UNVERIFIED:
        assert "**unverified**" in rows[software]
