"""A polling round: concurrent, bounded, each ASIC on its own deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from minerfarm.asic.concurrency import bounded_map
from minerfarm.asic.config import AsicEntry, AsicSentryConfig
from minerfarm.asic.poller import Poller, poll_once
from minerfarm.asic.simulator import PROFILES, fleet


def first_host(cidr: str) -> str:
    """``127.R.N.1`` of the test's ``127.R.N.0/24``."""
    return cidr.replace(".0/24", ".1")


async def test_hanging_and_garbage_asics_delay_no_other(subnet: str, simulate) -> None:
    rpc = ["antminer-s9", "antminer-s21", "braiins-s9", "whatsminer-m31s", "avalon-1566"]
    asics = fleet(first_host(subnet), 7, profiles=rpc, faults={"hang": 1, "garbage": 1})
    await simulate(asics)
    hang, garbage = asics[-1], asics[-2]
    assert (hang.fault, garbage.fault) == ("hang", "garbage")
    # concurrency 2: the hanging ASIC holds one worker for the whole timeout while the
    # other worker reads everything else
    poller = Poller([AsicEntry(ip=a.host) for a in asics], timeout=1.0, concurrency=2)
    started = time.monotonic()
    round_ = await poller.poll()
    elapsed = time.monotonic() - started
    assert elapsed < 1.9, elapsed  # with the garbage one waited out too: 2 s or more
    assert [a.ip for a in round_] == [a.host for a in asics]  # config order
    by_ip = {a.ip: a for a in round_}
    assert all(by_ip[a.host].online for a in asics[:5])
    assert {by_ip[a.host].hashrate_hs is not None for a in asics[:5]} == {True}
    for sick, fragment in ((hang, "no answer"), (garbage, "not JSON")):
        reading = by_ip[sick.host]
        assert reading.online is False
        assert any(fragment in error for error in reading.errors), reading.errors
        assert reading.hashrate_hs is None and reading.boards == [] and reading.fans_rpm == []


async def test_offline_keeps_identity_but_no_live_values(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 1, profiles=["avalon-1566"])
    simulator = await simulate(asics)
    poller = Poller([AsicEntry(ip=asics[0].host)], timeout=1.0)
    (first,) = await poller.poll()
    assert first.online and first.model == "15-194" and first.power_w == 3731
    await simulator.stop()
    (second,) = await poller.poll()
    assert second.online is False
    assert (second.make, second.model, second.mac) == ("AvalonMiner", "15-194",
                                                       "12:34:56:78:90:12")
    assert second.hashrate_hs is None and second.power_w is None and second.shares is None
    assert second.errors and "127." in second.errors[0]


async def test_configured_type_skips_identification(subnet: str, simulate) -> None:
    (asic,) = fleet(first_host(subnet), 1, profiles=["braiins-s9"])
    await simulate([asic])
    config = AsicSentryConfig(asics=[AsicEntry(ip=asic.host, type="braiins")])
    (reading,) = await poll_once(config)
    assert reading.online and reading.firmware_version == "0.2.0-36c56a9363"
    assert asic.requests == 1  # one joined request, no 'version' probe first


async def test_all_profiles_in_one_round(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 2 * len(PROFILES))
    await simulate(asics)
    # Braiins OS is identified over RPC, which its web-only profiles do not serve
    readings = await Poller([AsicEntry(ip=a.host, type=PROFILES[a.profile].family
                                       if not PROFILES[a.profile].files else None)
                             for a in asics], timeout=2).poll()
    assert all(r.online for r in readings), [r.errors for r in readings if not r.online]
    rates: dict[str, set[float | None]] = {}
    for asic, reading in zip(asics, readings, strict=True):
        rates.setdefault(asic.profile, set()).add(reading.hashrate_hs)
    # each profile's second copy is varied (the idle Avalon Q hashes 0 either way; web replies
    # are served as captured, so only RPC hashrates vary)
    assert all(len(values) == 2 for profile, values in rates.items()
               if values != {0.0} and PROFILES[profile].files), rates


async def test_bounded_map_really_limits() -> None:
    in_flight = peak = 0

    async def work(item: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return item * 2

    tasks_before = len(asyncio.all_tasks())
    items = iter(range(5000))  # consumed lazily, never materialised as tasks
    result = await bounded_map(work, items, 16)
    assert result == [i * 2 for i in range(5000)]
    assert peak == 16
    assert len(asyncio.all_tasks()) == tasks_before


async def test_lying_asic_is_offline_with_a_reason_others_fine(subnet: str, simulate) -> None:
    asics = fleet(first_host(subnet), 3, profiles=["whatsminer-m31s"], varied=False)
    await simulate(asics)
    liar = asics[1]
    # a negative hashrate, in the captured structure: the wire model refuses it
    liar.replies["summary"] = liar.replies["summary"].replace(b'"MHS 1m":77909448.60',
                                                              b'"MHS 1m":-77909448.60')
    assert b"-77909448.60" in liar.replies["summary"]
    readings = await Poller([AsicEntry(ip=a.host) for a in asics], timeout=1).poll()
    assert [r.online for r in readings] == [True, False, True]
    assert readings[1].errors[0].startswith("invalid reading")
    assert readings[0].hashrate_hs == pytest.approx(77909448.60e6)
