"""BzMiner, the one unverified adapter: no full ``/status`` reply has been captured.

What can be checked is checked: the real ``pools[]`` entry (BzMiner 9.0.0) read through a
``/status`` reply over a real socket, and the documented device fields (names from
third-party parsers, values written here) mapped to what a user sees.
"""

from __future__ import annotations

import json
import time

import pytest
from sentry_captures import capture
from sentry_helpers import approx_tree

from minerfarm.sentry.miners import REGISTRY, read_miner
from minerfarm.sentry.miners.bzminer import gpus, parse
from minerfarm.sentry.miners.registry import UNVERIFIED
from minerfarm.sentry.simulator import simulate

FRAGMENT = "bzminer/bzminer_9.0.0_status_pools1_fragment.json"


def test_bzminer_is_registered_as_unverified_on_its_default_port() -> None:
    assert "bzminer" in UNVERIFIED
    assert REGISTRY["bzminer"].default_port == 4014


async def test_bzminer_reads_the_captured_pool_entry() -> None:
    pool = json.loads(capture(FRAGMENT).read_text())
    reply = json.dumps({"pools": [pool]}).encode()
    async with simulate("bzminer", reply) as miner:
        result = await read_miner("bzminer", miner.url, timeout_s=2)
        assert miner.requests_seen == ["/status"]
    assert result.model_dump(mode="json", exclude_none=True) == {
        "software": "bzminer", "algorithm": "kawpow", "pool": "stratum+tcp://yourpool:4444",
        "hashrate_hs": 0,  # the pool entry's hashrate: this slot was idle
        "devices": [], "shares": {"accepted": 0, "rejected": 0, "stale": 0}, "running": True}


def test_bzminer_reports_gpus_and_leaves_cpus_out() -> None:
    reply = {"bzminer_version": "v21.5.3", "uptime_s": 600,
             "pools": [{"algorithm": "kawpow", "current_url": "stratum+tcp://pool:4444",
                        "valid_solutions": 12, "rejected_solutions": 1, "stale_solutions": 0}],
             "devices": [
                 {"vendor": 4, "hashrate": [1000.0]},  # a CPU
                 {"vendor": 1, "pci_bus_id": 3, "hashrate": [21.5e6, 0], "core_temp": 61,
                  "mem_temp": 0, "fan": 55, "power": 0},
                 {"vendor": 1, "pci_bus_id": 4, "hashrate": [20.5e6, 0], "core_temp": 63,
                  "fan": 50, "power": 140}]}
    miner = parse({"status": reply}, time.time())
    assert miner.version == "v21.5.3" and miner.uptime_s == 600
    assert miner.hashrate_hs == pytest.approx(42e6)  # no pool hashrate: the GPUs' sum
    assert [(d.index, d.hashrate_hs) for d in miner.devices] == [(0, 21.5e6), (1, 20.5e6)]
    assert miner.shares is not None and (miner.shares.accepted, miner.shares.rejected) == (12, 1)
    found = [{k: v for k, v in vars(gpu).items() if v is not None}
             for gpu in gpus({"status": reply})]
    assert found == approx_tree([  # power 0 is "not read"
        {"index": 0, "software": "bzminer", "temp_c": 61, "fan_pct": 55, "bus": 3,
         "hashrate_hs": 21.5e6},
        {"index": 1, "software": "bzminer", "temp_c": 63, "fan_pct": 50, "power_w": 140,
         "bus": 4, "hashrate_hs": 20.5e6}])
