"""Farm totals add like with like: by coin where known, otherwise by algorithm (normalised),
never one "unknown" bucket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.protocol.algorithms import normalise_algorithm
from tests.commander.test_dashboard_model import created, reported


def miner(software: str, rate: float, coin: str | None = None,
          algorithm: str | None = None) -> dict[str, Any]:
    return {"software": software, "coin": coin, "algorithm": algorithm, "hashrate_hs": rate}


@pytest.mark.parametrize(("spellings", "name"), [
    (("rx/0", "randomx", "RandomX", "RX_0"), "RandomX"),
    (("ethash", "Ethash", "ETHASH"), "Ethash"),
    (("kawpow", "KAWPOW", "KawPow"), "KawPoW"),
    (("sha256", "SHA-256", "sha256d", "SHA256D"), "SHA-256"),
    (("scrypt", "Scrypt"), "Scrypt"),
])
def test_spellings_of_one_algorithm_are_one_name(spellings: tuple[str, ...], name: str) -> None:
    assert {normalise_algorithm(s) for s in spellings} == {name}


def test_an_unknown_algorithm_keeps_its_own_name() -> None:
    assert normalise_algorithm(" NewHash9 ") == "NewHash9"
    assert normalise_algorithm("") is None and normalise_algorithm(None) is None


def test_mixed_miners_without_coins_land_in_separate_buckets() -> None:
    farm = FarmAggregator(offline_after_s=30)
    farm.observe(created(1, "gpu-a"))
    farm.observe(created(2, "gpu-b"))
    farm.observe(created(3, "cpu"))
    farm.observe(reported(1, 1, {"miners": [miner("trex", 60e6, algorithm="ethash"),
                                            miner("gminer", 30e6, algorithm="KAWPOW")]}))
    farm.observe(reported(2, 1, {"miners": [miner("lolminer", 40e6, algorithm="Ethash"),
                                            miner("nbminer", 20e6, coin="rvn")]}))
    farm.observe(reported(3, 1, {"miners": [miner("xmrig", 5e3, algorithm="rx/0"),
                                            miner("srbminer", 3e3, algorithm="randomx",
                                                  coin="XMR"),
                                            miner("cpuminer", 7.0)]}))
    totals = farm.totals(datetime.now(UTC))
    assert totals.hashrate_by_coin == {
        "Ethash (coin not reported)": 100e6,
        "KawPoW (coin not reported)": 30e6,
        "RVN": 20e6,  # the ticker normalised
        "RandomX (coin not reported)": 5e3,
        "XMR": 3e3,
        "cpuminer (algorithm not reported)": 7.0,
    }
    # RVN's algorithm comes from the coin facts and merges with the coin-less KAWPOW miner
    assert totals.hashrate_by_algorithm == {
        "Ethash": 100e6, "KawPoW": 50e6, "RandomX": 8e3,
        "cpuminer (algorithm not reported)": 7.0,
    }
    assert not any("unknown" in key for key in (*totals.hashrate_by_coin,
                                                 *totals.hashrate_by_algorithm))


def test_a_bucket_goes_when_its_last_miner_goes() -> None:
    farm = FarmAggregator(offline_after_s=30)
    farm.observe(created(1, "gpu"))
    farm.observe(reported(1, 1, {"miners": [miner("trex", 60e6, algorithm="ethash")]}))
    farm.observe(reported(1, 2, {"miners": [miner("trex", 60e6, algorithm="kawpow")]}))
    totals = farm.totals(datetime.now(UTC))
    assert totals.hashrate_by_algorithm == {"KawPoW": 60e6}
    assert totals.hashrate_by_coin == {"KawPoW (coin not reported)": 60e6}
