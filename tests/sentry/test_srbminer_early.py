"""SRBMiner-MULTI's early API layout (0.1.x): one algorithm at the root,
``hashrate_total_now`` and ``gpu_hashrate[0]``. There is no capture of it in
``shared/fixtures`` (the one we read, in delawr0190/foreman-apps, is GPL): the reply below
carries only the field names and shapes of that 0.1.8 reply, with round values."""

from __future__ import annotations

from minerfarm.sentry.miners import srbminer

EARLY = {
    "rig_name": "rig", "miner_version": "0.1.8", "mining_time": 18359, "algorithm": "kadena",
    "hashrate_total_now": 3000000000.0, "hashrate_total_1min": 2900000000.0,
    "pool": {"pool": "kda-us.icemining.ca:3700"},
    "shares": {"accepted": 2171, "rejected": 19},
    "gpu_hashrate": [{"GPU0": 1000000000.0, "GPU1": 2000000000.0, "total": 3000000000.0}],
    "gpu_devices": [{"device_id": 0, "model": "radeon_rx_vega", "bus_id": 3,
                     "temperature": 55, "fan_speed_rpm": 2200}],
}


def test_the_early_layout_reads_rates_shares_and_gpus() -> None:
    miner = srbminer.parse({"status": EARLY}, 0.0)
    assert (miner.version, miner.algorithm, miner.pool) == (
        "0.1.8", "kadena", "kda-us.icemining.ca:3700")
    assert miner.hashrate_hs == 3e9
    assert [(d.index, d.hashrate_hs) for d in miner.devices] == [(0, 1e9), (1, 2e9)]
    assert miner.shares is not None and (miner.shares.accepted, miner.shares.rejected) == (
        2171, 19)
    [gpu] = srbminer.gpus({"status": EARLY})
    assert (gpu.index, gpu.temp_c, gpu.bus, gpu.hashrate_hs) == (0, 55, 3, 1e9)
    assert gpu.fan_pct is None  # fan_speed_rpm is no percentage


def test_the_one_minute_rate_stands_in_for_a_missing_now() -> None:
    reply = {k: v for k, v in EARLY.items() if k != "hashrate_total_now"}
    assert srbminer.parse({"status": reply}, 0.0).hashrate_hs == 2.9e9
