"""Every captured miner reply, with the figures a user should see, worked out by hand from the
capture (the arithmetic is written out where there is any)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CAPTURES = Path(
    os.environ.get("MINERFARM_FIXTURES_DIR") or REPO.parent / "shared" / "fixtures"
) / "miner-apis"


def capture(name: str) -> Path:
    path = CAPTURES / name
    assert path.is_file(), f"missing capture {path} (set MINERFARM_FIXTURES_DIR)"
    return path


@dataclass(frozen=True)
class Case:
    id: str
    software: str
    replies: dict[str, str]  # adapter request name -> capture file under miner-apis/
    expected: dict[str, Any]  # the probe's JSON (exclude_none)
    ignore: tuple[str, ...] = field(default=())  # checked separately (time-dependent)
    # what the miner says about each GPU (MinerGpu, None fields left out), [] where the
    # capture carries no GPU temperature, fan or power
    gpus: tuple[dict[str, Any], ...] = field(default=())

    def reply_paths(self) -> dict[str, Any]:
        return {name: capture(path) for name, path in self.replies.items()}


def devices(*rates: float) -> list[dict[str, Any]]:
    return [{"index": i, "hashrate_hs": rate} for i, rate in enumerate(rates)]


CASES = [
    Case("xmrig-6.22.1", "xmrig",
         {"summary": "xmrig/summary_v2_6.22.1.json", "backends": "xmrig/backends_v2_6.22.1.json"},
         {"software": "xmrig", "version": "6.22.1", "algorithm": "rx/0",
          "pool": "gulf.moneroocean.stream:10032",
          "hashrate_hs": 4884.25,  # hashrate.total[0], the 10 s window
          # the 8 CPU threads' 10 s rates; the OpenCL (kawpow) and CUDA (cn-pico) backends are
          # on other algorithms than rx/0 and left out
          "devices": devices(593.57, 594.51, 593.88, 610.62, 610.3, 604.28, 602.72, 614.98),
          "shares": {"accepted": 8650, "rejected": 8},  # shares_total 8658 - shares_good 8650
          "uptime_s": 260195, "running": True},
         # the OpenCL thread's health: temperature 72; its power 0 (while hashing 37 MH/s) is
         # "not read"; the fan is only rpm 2907; the CUDA thread has no health at all. Both
         # backends are on other algorithms (kawpow, cn-pico) than rx/0: no GPU hashrate
         gpus=({"index": 0, "software": "xmrig", "name": "AMD Radeon RX 7800 XT",
                "temp_c": 72, "bus": 3},)),  # bus_id "03:00.0"
    Case("lolminer-legacy-1.26", "lolminer", {"status": "lolminer/legacy_1.26_ethash.json"},
         {"software": "lolminer", "version": "1.26", "algorithm": "Ethash",
          "pool": "eu1.ethermine.org:5555",
          "hashrate_hs": 91.55e6,  # Performance_Summary 91.55 in "mh/s"
          "devices": devices(91.55e6),
          "shares": {"accepted": 35},  # legacy has no rejected count
          "uptime_s": 1560, "running": True},
         # "Temp (deg C)", "Fan Speed (%)", "Consumption (W)"
         gpus=({"index": 0, "software": "lolminer", "name": "NVIDIA GeForce RTX 3080",
                "temp_c": 47, "fan_pct": 88, "power_w": 219.857, "hashrate_hs": 91.55e6},)),
    Case("lolminer-1.92", "lolminer", {"status": "lolminer/new_1.92_nexapow_1gpu.json"},
         {"software": "lolminer", "version": "1.92", "algorithm": "NexaPoW",
          "pool": "nexa.f2pool.com:3400",
          "hashrate_hs": 5.6549161744285845e6,  # Total_Performance in Mh/s
          "devices": devices(5.65e6),
          "shares": {"accepted": 68, "rejected": 0, "stale": 0},
          "uptime_s": 3710, "running": True},
         # Workers[0]: Core_Temp, Fan_Speed, Power
         gpus=({"index": 0, "software": "lolminer", "name": "NVIDIA GeForce GTX 1060 3GB",
                "temp_c": 65, "fan_pct": 38, "power_w": 86.118, "hashrate_hs": 5.65e6},)),
    Case("trex-0.25.9", "trex", {"summary": "trex/summary_0.25.9_api4.1.json"},
         {"software": "trex", "version": "0.25.9", "algorithm": "ethash",
          "pool": "stratum+tcp://us1.ethermine.org:4444", "hashrate_hs": 50287688,
          "devices": devices(50287688), "shares": {"accepted": 1, "rejected": 0},
          "uptime_s": 116, "running": True},  # "coin": "" is no coin
         # gpus[0]: temperature, fan_speed, power (power_avr 194 is the average)
         gpus=({"index": 0, "software": "trex", "vendor": "nvidia", "name": "RTX 3070",
                "temp_c": 74, "fan_pct": 68, "power_w": 195, "bus": 10,  # pci_bus 10
                "hashrate_hs": 50287688},)),
    Case("gminer-3.06", "gminer", {"stat": "gminer/stat_3.06_etchash.json"},
         {"software": "gminer", "version": "3.06", "algorithm": "Etchash",
          "pool": "ssl://hk.crazypool.org:7777",
          "hashrate_hs": 40707234,  # the one device's speed (H/s)
          "devices": devices(40707234), "shares": {"accepted": 0, "rejected": 0, "stale": 0},
          "uptime_s": 49, "running": True},
         # devices[0]: temperature, fan, power_usage (memory_temperature 0 is not read)
         gpus=({"index": 0, "software": "gminer", "name": "3060",
                "temp_c": 66, "fan_pct": 51, "power_w": 143, "hashrate_hs": 40707234,
                "bus": 3},)),  # bus_id "0000:03:00.0"
    Case("nbminer-40.0", "nbminer", {"status": "nbminer/status_v40.0_readme.json"},
         {"software": "nbminer", "version": "40.0", "algorithm": "ethash",
          "pool": "asia2.ethermine.org:5555", "hashrate_hs": 146567481.51336715,
          "devices": devices(61497708.17088159, 85069773.34248555),
          "shares": {"accepted": 7, "rejected": 0}, "running": True},
         ignore=("uptime_s",),  # now - start_time 1637549633
         # miner.devices[]: temperature, fan, power by id
         gpus=({"index": 0, "software": "nbminer", "name": "NVIDIA GeForce RTX 3070",
                "temp_c": 57, "fan_pct": 59, "power_w": 131, "bus": 1,  # pci_bus_id
                "hashrate_hs": 61497708.17088159},
               {"index": 1, "software": "nbminer", "name": "NVIDIA GeForce RTX 3080 Ti LHR",
                "temp_c": 64, "fan_pct": 80, "power_w": 258, "bus": 48,
                "hashrate_hs": 85069773.34248555})),
    Case("srbminer-0.5.6", "srbminer", {"status": "srbminer/multi_0.5.6_cpu_verushash.json"},
         {"software": "srbminer", "version": "0.5.6", "algorithm": "verushash",
          "pool": "verus.alphatechit.co.uk:9997", "hashrate_hs": 206111.5149227829,
          "devices": devices(206111.5149227829), "shares": {"accepted": 15, "rejected": 0},
          "uptime_s": 1368, "running": True}),
    Case("rigel-1.23.2", "rigel", {"status": "rigel/rigel_1.23.2_xelishashv3_api_root.json"},
         {"software": "rigel", "version": "1.23.2", "algorithm": "xelishashv3",
          "pool": "stratum.hashnomletz.com:13333",  # pools.xelishashv3[0] hostname:port
          "hashrate_hs": 12112.195564915472,  # hashrate.xelishashv3 (pool_hashrate is less)
          "devices": devices(12112.195564915472),
          "shares": {"accepted": 1405, "rejected": 0},  # solution_stat (invalid 0 not read)
          "uptime_s": 286, "running": True},
         # monitoring_info: core_temperature, fan_speed, power_usage; pci_address "0b:0"
         gpus=({"index": 0, "software": "rigel", "vendor": "nvidia", "name": "RTX 3080 Ti",
                "temp_c": 72, "fan_pct": 83, "power_w": 294.36225, "bus": 11,
                "hashrate_hs": 12112.195564915472},)),
    Case("wildrig-0.10.0", "wildrig", {"status": "wildrig/wildrig_multi_foreman_api_root.json"},
         {"software": "wildrig", "version": "0.10.0", "algorithm": "wildkeccak",
          "pool": "bbr.luckypool.io:5577",
          "hashrate_hs": 693.13,  # hashrate.total [10s 693.13, 60s 693.71, 15m 0.0]
          "devices": devices(693.13),  # threads[0][0]
          "shares": {"accepted": 3, "rejected": 0},  # shares_total 3 - shares_good 3
          "uptime_s": 370, "running": True}),
    Case("teamredminer-0.3.8", "teamredminer",
         {"devs": "teamredminer/devs_multi_gpu.json", "pools": "teamredminer/pools.json"},
         {"software": "teamredminer", "version": "0.3.8", "algorithm": "cnv8",
          "pool": "stratum+tcp://pool.supportxmr.com:7777",
          # "KHS 120s" of the six GPUs: 2.107 + 2.118 + 2.095 + 2.058 + 2.101 + 2.094 kH/s
          "hashrate_hs": 12573.0,
          "devices": devices(2107.0, 2118.0, 2095.0, 2058.0, 2101.0, 2094.0),
          "shares": {"accepted": 13, "rejected": 0, "stale": 0},  # the pool's counters
          "uptime_s": 13887,  # the largest "Device Elapsed"
          "running": True},
         # DEVS[]: Temperature and "Fan Percent" ("Fan Speed" is rpm), "KHS 120s"; no power
         gpus=tuple({"index": i, "software": "teamredminer", "vendor": "amd",
                     "temp_c": temp, "fan_pct": fan, "hashrate_hs": rate}
                    for i, (temp, fan, rate) in enumerate(
                        [(61, 65, 2107.0), (61, 65, 2118.0), (63, 66, 2095.0), (60, 65, 2058.0),
                         (63, 67, 2101.0), (62, 65, 2094.0)]))),
]
