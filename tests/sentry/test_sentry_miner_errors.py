"""What the adapters do with a miner that is not there, hangs, lies or sends garbage: one
clear error from the adapters' own tree, quickly; never a crash, never a made-up zero."""

from __future__ import annotations

import json
import time

import pytest
from sentry_captures import capture
from sentry_helpers import closed_port

from minerfarm.sentry.miners import (
    MinerConfigError,
    MinerReplyInvalid,
    MinerTimeout,
    MinerUnreachable,
    adapter_for,
    parse_api_url,
    read_miner,
)
from minerfarm.sentry.miners.http_json import MAX_REPLY_BYTES
from minerfarm.sentry.simulator import Fault, simulate

# One HTTP-JSON and one cgminer-TCP adapter: the error handling lives in their dialects.
DIALECTS = [("trex", "http", "summary"), ("teamredminer", "tcp", "devs")]


@pytest.mark.parametrize(("software", "scheme", "request_name"), DIALECTS)
async def test_unreachable_miner(software: str, scheme: str, request_name: str) -> None:
    started = time.monotonic()
    with pytest.raises(MinerUnreachable) as caught:
        await read_miner(software, f"{scheme}://127.0.0.1:{closed_port()}", timeout_s=2)
    assert not isinstance(caught.value, MinerTimeout)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("software", "scheme", "request_name"), DIALECTS)
async def test_hanging_miner_times_out(software: str, scheme: str, request_name: str) -> None:
    async with simulate(software, {request_name: Fault.HANG}) as miner:
        started = time.monotonic()
        with pytest.raises(MinerTimeout):
            await read_miner(software, miner.url, timeout_s=0.3)
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("fault", [Fault.GARBAGE, Fault.CLOSE])
@pytest.mark.parametrize(("software", "scheme", "request_name"), DIALECTS)
async def test_garbage_or_silence_is_an_invalid_reply(
    software: str, scheme: str, request_name: str, fault: Fault
) -> None:
    async with simulate(software, {request_name: fault}) as miner:
        with pytest.raises(MinerReplyInvalid):
            await read_miner(software, miner.url, timeout_s=2)


async def test_a_missing_endpoint_is_an_invalid_reply_naming_the_status() -> None:
    async with simulate("xmrig", {"backends": b"[]"}) as miner:  # no /2/summary: 404
        with pytest.raises(MinerReplyInvalid, match="HTTP 404"):
            await read_miner("xmrig", miner.url)


async def test_another_miners_api_is_refused() -> None:
    """T-Rex's reply read as GMiner's is not a GMiner with every figure missing."""
    async with simulate("gminer", {"stat": capture("trex/summary_0.25.9_api4.1.json")}) as miner:
        with pytest.raises(MinerReplyInvalid, match="GMiner"):
            await read_miner("gminer", miner.url)


async def test_oversized_reply_is_refused() -> None:
    body = json.dumps({"hashrate": 1, "pad": "x" * MAX_REPLY_BYTES}).encode()
    async with simulate("trex", body) as miner:
        with pytest.raises(MinerReplyInvalid, match="bytes"):
            await read_miner("trex", miner.url)


async def test_lying_values_become_unknown_not_zero() -> None:
    summary = {"version": 6, "algo": "", "paused": "no", "uptime": "a while",
               "hashrate": {"total": [None, -5, "lots"]}, "connection": {"pool": None},
               "results": {"shares_good": 10, "shares_total": 4}}
    async with simulate("xmrig", {"summary": json.dumps(summary).encode(),
                                  "backends": b'{"not": "a list"}'}) as miner:
        result = await read_miner("xmrig", miner.url)
    assert result.model_dump(exclude_none=True) == {
        "software": "xmrig", "devices": [], "running": True}


async def test_a_device_without_a_rate_leaves_the_total_unknown() -> None:
    stat = json.loads(capture("gminer/stat_3.06_etchash.json").read_bytes())
    stat["devices"].append({"gpu_id": 1, "speed": None})
    async with simulate("gminer", json.dumps(stat).encode()) as miner:
        result = await read_miner("gminer", miner.url)
    assert [device.hashrate_hs for device in result.devices] == [40707234, None]
    assert result.hashrate_hs is None


async def test_teamredminer_refusing_devs_is_an_invalid_reply() -> None:
    async with simulate("teamredminer", {"pools": capture("teamredminer/pools.json")}) as miner:
        with pytest.raises(MinerReplyInvalid, match="Invalid command"):
            await read_miner("teamredminer", miner.url)


async def test_simulator_replies_can_change_while_it_runs() -> None:
    async with simulate("trex", capture("trex/summary_0.25.9_api4.1.json")) as miner:
        assert (await read_miner("trex", miner.url)).version == "0.25.9"
        miner.replies["summary"] = Fault.GARBAGE
        with pytest.raises(MinerReplyInvalid):
            await read_miner("trex", miner.url)
        assert miner.requests_seen == ["/summary", "/summary"]


@pytest.mark.parametrize("name", ["T-Rex", "trex", "SRBMiner-MULTI", "TRM", " XMRig "])
def test_software_names_as_users_write_them(name: str) -> None:
    assert adapter_for(name).software in {"trex", "srbminer", "teamredminer", "xmrig"}


def test_unknown_software_names_the_known_ones() -> None:
    with pytest.raises(MinerConfigError, match="known: bzminer, gminer, lolminer"):
        adapter_for("claymore")


@pytest.mark.parametrize(("url", "expected"), [
    ("http://10.0.0.5:4067", ("http", "10.0.0.5", 4067)),
    ("10.0.0.5:4067", ("http", "10.0.0.5", 4067)),
    ("http://rig-7", ("http", "rig-7", 4067)),  # T-Rex's documented default port
    ("http://[::1]:4067", ("http", "::1", 4067)),
])
def test_api_urls(url: str, expected: tuple[str, str, int]) -> None:
    endpoint = parse_api_url(url, "http", default_port=4067)
    assert (endpoint.scheme, endpoint.host, endpoint.port) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("tcp://10.0.0.5:4067", "speaks http"),
    ("http://10.0.0.5", "has no port"),
    ("http://10.0.0.5:port", "bad API URL"),
    ("http://:4067", "no host"),
])
def test_bad_api_urls_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(MinerConfigError, match=message):
        parse_api_url(url, "http")
