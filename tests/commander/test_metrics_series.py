"""The series of a scrape, built from the farm model directly: stale rigs show as down, and a
5,000-ASIC farm stays within a fixed number of series per ASIC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.metrics.route import exposition
from minerfarm.commander.metrics.series import Internals, snapshot

NO_INTERNALS = Internals(queue_depth=0, reports_stored=0, dead_letters=0, websockets=0)


def scrape(farm: FarmAggregator, now: datetime) -> str:
    return exposition(snapshot(farm, NO_INTERNALS, now)).decode()


def digest(rig_id: int, name: str, kind: str, stats: dict[str, object],
           seen: datetime) -> RigDigest:
    rig = RigDigest(rig_id, name, kind)
    rig.apply_stats(stats, seen, 1)
    return rig


def test_a_rig_that_stopped_reporting_is_down_without_its_old_figures() -> None:
    now = datetime.now(UTC)
    farm = FarmAggregator(offline_after_s=60)
    stats = {"ts": now.isoformat(), "gpus": [{"index": 0, "temp_c": 70.0}],
             "miners": [{"software": "trex", "algorithm": "ethash", "hashrate_hs": 5e7}]}
    farm.rigs[1] = digest(1, "quiet", "cpu_gpu", stats, now - timedelta(minutes=5))
    farm.rigs[2] = RigDigest(2, "new", "cpu_gpu")  # enrolled, never reported
    text = scrape(farm, now)
    assert 'minerfarm_rig_up{kind="cpu_gpu",rig="quiet"} 0.0' in text
    assert 'minerfarm_rig_last_report_timestamp_seconds{kind="cpu_gpu",rig="quiet"}' in text
    assert "minerfarm_gpu_temperature_celsius" not in text
    assert "minerfarm_miner_hashrate_hs" not in text
    assert 'minerfarm_farm_rigs{kind="cpu_gpu",state="offline"} 1.0' in text
    assert 'minerfarm_farm_rigs{kind="cpu_gpu",state="waiting"} 1.0' in text


def test_five_thousand_asics_stay_within_the_per_asic_budget() -> None:
    now = datetime.now(UTC)
    farm = FarmAggregator(offline_after_s=60)
    asics = [{"ip": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", "mac": f"mac-{n}",
              "make": "Antminer", "model": "S19", "online": True, "hashrate_hs": 95e12,
              "power_w": 3250.0, "fans_rpm": [5000.0] * 12,  # more fans than served
              "boards": [{"index": b, "temp_c": 60.0, "chip_temp_c": 75.0} for b in range(3)],
              "shares": {"accepted": 10, "rejected": 1},
              "pool": "stratum+tcp://pool.example:3333", "errors": ["fan 3 slow"]}
             for n in range(5000)]
    for sentry in range(5):
        farm.rigs[sentry] = digest(sentry, f"lan-{sentry}", "asic",
                                   {"ts": now.isoformat(), "asics": asics[sentry::5]}, now)
    text = scrape(farm, now)
    series = [line for line in text.splitlines() if line and not line.startswith("#")]
    asic_series = [line for line in series if line.startswith("minerfarm_asic_")]
    # up, info, hashrate, 2 temperatures, power, 8 of the 12 fans, 2 share counters (16; the
    # nominal hashrate, absent here, would be the 17th: series.py's 9 + MAX_FANS)
    assert len(asic_series) == 5000 * 16
    assert len(series) - len(asic_series) < 100
    assert "pool.example" not in text and "fan 3 slow" not in text  # text is never a label
