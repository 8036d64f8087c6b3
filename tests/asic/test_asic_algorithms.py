"""The ASIC sentry's ``asics[]`` entries carry the algorithm (and default coin) of the model,
read from simulated ASICs replaying real captures; the admin's config wins."""

from __future__ import annotations

import pytest

from minerfarm.asic.config import AsicEntry, AsicSentryConfig
from minerfarm.asic.drivers.facts import algorithm_for
from minerfarm.asic.poller import Poller
from minerfarm.asic.simulator import fleet
from minerfarm.protocol.algorithms import normalise_algorithm

PROFILES = ["antminer-s9", "antminer-s21", "braiins-s9", "whatsminer-m31s", "avalon-1566"]


def first_host(cidr: str) -> str:
    return cidr.replace(".0/24", ".1")


@pytest.mark.parametrize(("make", "model", "algorithm"), [
    ("Antminer", "S19 Pro", "SHA-256"), ("Antminer", "T21", "SHA-256"),
    ("Antminer", "L7", "Scrypt"), ("AntMiner", "L3+", "Scrypt"), ("Antminer", "KS5", "kHeavyHash"),
])
def test_model_families(make: str, model: str, algorithm: str) -> None:
    assert algorithm_for("antminer", make, model) == algorithm
    assert normalise_algorithm(algorithm) == algorithm  # the name the totals use


def test_unknown_model_of_a_multi_algorithm_maker_has_no_algorithm() -> None:
    assert algorithm_for("antminer", "Antminer", "X99") is None
    assert algorithm_for("antminer", None, None) is None


async def test_every_captured_firmware_reports_sha256_and_btc(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), len(PROFILES), profiles=PROFILES)
    await simulate(asics)
    config = AsicSentryConfig(asics=[AsicEntry(ip=a.host) for a in asics])
    readings = await Poller.from_config(config).poll()
    assert all(r.online for r in readings), [r.errors for r in readings]
    assert [(r.algorithm, r.coin) for r in readings] == [("SHA-256", "BTC")] * len(PROFILES)
    # and on the wire, as the report carries it
    assert readings[0].model_dump(mode="json")["algorithm"] == "SHA-256"


async def test_config_overrides_win(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 3, profiles=["antminer-s21"])
    await simulate(asics)
    config = AsicSentryConfig.model_validate({
        "coin": "BCH",  # the whole sentry mines BCH ...
        "asics": [{"ip": asics[0].host},
                  {"ip": asics[1].host, "coin": " DGB "},  # ... but for this one
                  {"ip": asics[2].host, "algorithm": "sha256d", "coin": None}],
    })
    first, second, third = await Poller.from_config(config).poll()
    assert (first.coin, first.algorithm) == ("BCH", "SHA-256")
    assert (second.coin, second.algorithm) == ("DGB", "SHA-256")
    assert (third.coin, third.algorithm) == ("BCH", "sha256d")  # spelling normalised later


async def test_an_algorithm_override_drops_the_facts_default_coin(subnet: str,
                                                                  simulate) -> None:
    (asic,) = fleet(first_host(subnet), 1, profiles=["antminer-s9"])
    await simulate([asic])
    config = AsicSentryConfig.model_validate({"asics": [{"ip": asic.host,
                                                         "algorithm": "Scrypt"}]})
    (reading,) = await Poller.from_config(config).poll()
    assert (reading.algorithm, reading.coin) == ("Scrypt", None)  # not BTC: BTC is not scrypt


def test_bad_override_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="coin"):
        AsicSentryConfig.model_validate({"asics": [{"ip": "10.0.0.1", "coin": "x" * 65}]})
