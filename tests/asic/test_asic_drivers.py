"""Every captured firmware through the simulator over real sockets: the figures a user sees,
checked against values computed by hand from the captures in shared/fixtures/miner-apis."""

from __future__ import annotations

from typing import Any

import pytest

from minerfarm.asic import drivers
from minerfarm.asic.drivers import BACKENDS, Replies, RpcTransport, probe
from minerfarm.asic.drivers.avalon import mm_values
from minerfarm.asic.errors import AsicNotIdentified, AsicUnreachable
from minerfarm.asic.simulator import PROFILES, SimulatedAsic, fleet
from minerfarm.protocol.reports import Asic

G, M, T = 1e9, 1e6, 1e12

# Hand-computed from the captures (units: summary/stats GH/s or MH/s -> H/s).
EXPECTED: dict[str, dict[str, Any]] = {
    "antminer-s9": {  # bmminer_TestSummary/TestStatsS9/TestVersion .raw.txt
        "type": "antminer", "make": "Antminer", "model": "S9", "mac": None,
        "firmware_version": "Fri Nov 17 17:57:49 CST 2017", "software_version": "bmminer 2.0.0",
        "hashrate_hs": 13581.93 * G,            # SUMMARY "GHS 5s": "13581.93" (a string)
        "expected_hashrate_hs": 13501.38 * G,   # STATS total_rateideal
        "boards": [(4536.24 * G, 56, 71), (4545.53 * G, 52, 67), (4548.77 * G, 56, 71)],
        "fans_rpm": [4080, 4080],               # fan3, fan6; fan_num 2
        "power_w": None, "pool": None,          # no pools capture: refused, named in errors
        "shares": (7629, 2, 0), "uptime_s": 40206, "errors": ["'pools' refused"],
    },
    "antminer-s21": {  # s21_stock_bmminer_*.json
        "type": "antminer", "make": "Antminer", "model": "S21", "mac": None,
        "serial": "THQING0BDJAB024NF",  # get_system_info.cgi serinum, served beside the RPC
        "firmware_version": "Thu Jul 11 16:38:25 CST 2024", "software_version": "bmminer 1.0.0",
        "hashrate_hs": 203007.01 * G, "expected_hashrate_hs": 200 * T,  # model facts
        "boards": [], "fans_rpm": [6000, 5880, 5040, 5040], "power_w": 3250,  # "3250 W"
        "pool": "stratum+tcp://stratum.braiins.com:3333",
        "shares": (11187, 9, 0), "uptime_s": 59129, "errors": [],
    },
    "braiins-s9": {  # bosplus_0.2.0_s9_*.json
        "type": "braiins", "make": None, "model": None, "mac": None,
        "firmware_version": "0.2.0-36c56a9363",
        "software_version": "BOSminer+ 0.2.0-36c56a9363",
        "hashrate_hs": 13967276.98800245 * M,   # SUMMARY "MHS 1m"
        "expected_hashrate_hs": None,
        "boards": [(None, 75, None), (None, 63, None), (None, 70, None)],  # Chip 0.0 = none
        "fans_rpm": [2820, 3780],               # slots 2 and 3 read 0: empty on an S9
        "power_w": None, "pool": "stratum+tcp://stratum.antpool.com:3333",
        "shares": (153, 0, 0), "uptime_s": 3680, "errors": [],
    },
    "whatsminer-m31s": {  # m31s_20201202_*.json
        "type": "whatsminer", "make": "Whatsminer", "model": None, "mac": "C6:06:12:00:2D:63",
        "firmware_version": "20201202.22.REL", "software_version": "btminer",
        "hashrate_hs": 77909448.60 * M, "expected_hashrate_hs": 75697 * G,  # Factory GHS
        "boards": [(24720718.63 * M, 57.5, 77.44), (26026621.49 * M, 72, 93),
                   (25862805.06 * M, 68, 89.17)],
        "fans_rpm": [5700, 0], "power_w": 3553,
        "pool": "stratum+tcp://btc.ss.poolin.com:443",
        "shares": (2296, 1, 0), "uptime_s": 33102, "errors": [],
    },
    "avalon-1566": {  # avalon1566_24102401_rpc_*.json
        "type": "avalon", "make": "AvalonMiner", "model": "15-194", "mac": "12:34:56:78:90:12",
        "firmware_version": "24102401_25462b2_9ddf522", "software_version": "cgminer 4.11.1",
        "hashrate_hs": 197266944.16 * M,        # DEVS "MHS 1m"
        "expected_hashrate_hs": 201920.42 * G,  # MM ID0 GHSmm
        "boards": [(59459.52 * G, None, 77), (61407.83 * G, None, 78),
                   (63139.66 * G, None, 77)],  # MGHS, MTmax
        "fans_rpm": [4275, 4282], "power_w": 3731,  # WALLPOWER
        "pool": "stratum+tcp://stratum.pool.io:3333",
        "shares": (148, 1, 0), "uptime_s": 975, "errors": [],
    },
    "luxos-s19kpro": {  # luxos/luxminer_2025.4.8_s19kpro_*.json, luxminer_events.json
        "type": "luxos", "make": "Antminer", "model": "S19k Pro", "mac": "62:F7:5E:B7:10:46",
        "serial": "JYZZB0UBDJABF06RB",  # CONFIG SerialNumber (the control board's)
        "firmware_version": "2025.4.8.220305-57b389c7",
        "software_version": "LUXminer 2025.4.8.220305-57b389c7",
        "hashrate_hs": 60829.48 * G,            # SUMMARY "GHS 1m"
        "expected_hashrate_hs": 3 * 20651400.0 * M,  # DEVS "Nominal MHS" summed
        "boards": [(20076541.533197526 * M, 47, None), (20117883.2979288 * M, 47, None),
                   (20635064.434732575 * M, 47, None)],  # DEVS by ASC (listed 2, 0, 1)
        "fans_rpm": [2340, 1920, 2340, 1920],   # FANS by name FAN1..FAN4 (listed 4, 2, 1, 3)
        "power_w": 1051, "pool": "stratum+tcp://ca.stratum.braiins.com:3333",
        "shares": (1483, 1, 0), "uptime_s": 3453,
        "errors": ["NOPIC_PROTECTION: Miner shutdown", "REBOOT_NOT_HASHING: Board reboot"],
    },
    "avalon-q": {  # avalon/avalon_q_25052801_*.json (an idle Avalon Q)
        "type": "avalon", "make": "Avalon", "model": "Q", "mac": "AA:BB:CC:DD:EE:FF",
        "firmware_version": "25052801_14a19a2", "software_version": "cgminer 4.11.1",
        "hashrate_hs": 0.0,                     # DEVS "MHS 1m": 0.0 (idle: a real 0)
        "expected_hashrate_hs": 55032.79 * G,   # litestats GHSmm
        "boards": [(44350.83 * G, 27, None)],  # MGHS, HBOTemp; TMax[0] = no chip reading
        "fans_rpm": [0, 0, 0, 0], "power_w": 146,  # Fan1..4 stopped; PS[... 146]
        "pool": "stratum+tcp://pool.example.com:4444",
        "shares": (890, 2, 0), "uptime_s": 37977,  # litestats Elapsed[37977]
        "errors": ["idle (Work: In Idle, Hash Board: 1)"],
    },
}
# Composite Whatsminer profiles: the M31S's RPC replies plus API 2 / API 3 info replies.
_M31S_FIGURES = {k: v for k, v in EXPECTED["whatsminer-m31s"].items()}
EXPECTED["whatsminer-api2"] = _M31S_FIGURES
EXPECTED["whatsminer-api3"] = {**_M31S_FIGURES, "model": "M60S"}  # get.device.info type
EXPECTED["whatsminer-api3-errors"] = {
    **_M31S_FIGURES, "model": "M60S",
    "errors": ["error 264: Power xfer error. code: 0xffffffffc0000000 (since ",
               "error 265: Power Unknow error", "error 266: Power Unknow error",
               "error 267: Power watch dog protected", "error 270: Power input over-voltage"]}


def first_host(cidr: str) -> str:
    """``127.R.N.1`` of the test's ``127.R.N.0/24``."""
    return cidr.replace(".0/24", ".1")


def test_every_profile_has_expectations() -> None:
    from tests.asic.test_asic_web_drivers import WEB_EXPECTED

    assert set(EXPECTED) | set(WEB_EXPECTED) == set(PROFILES)
    assert not set(EXPECTED) & set(WEB_EXPECTED)


def check(asic: Asic, expected: dict[str, Any]) -> None:
    assert asic.online is True
    for key in ("make", "model", "mac", "firmware_version", "software_version", "pool"):
        assert getattr(asic, key) == expected[key], key
    assert asic.serial == expected.get("serial")  # only where the firmware gives one
    for key in ("hashrate_hs", "expected_hashrate_hs", "power_w", "uptime_s"):
        want = expected[key]
        assert getattr(asic, key) == (None if want is None else pytest.approx(want, rel=1e-9)), key
    assert [(b.hashrate_hs, b.temp_c, b.chip_temp_c) for b in asic.boards] == [
        tuple(pytest.approx(v, rel=1e-9) if v is not None else None for v in board)
        for board in expected["boards"]]
    assert [b.index for b in asic.boards] == list(range(len(expected["boards"])))
    assert asic.fans_rpm == expected["fans_rpm"]
    assert asic.shares is not None
    assert (asic.shares.accepted, asic.shares.rejected, asic.shares.stale) == expected["shares"]
    assert len(asic.errors) == len(expected["errors"])
    for error, fragment in zip(asic.errors, expected["errors"], strict=True):
        assert fragment in error


@pytest.mark.parametrize("profile", sorted(EXPECTED))
async def test_profile_read_over_tcp(profile: str, subnet: str, simulate) -> None:
    asic = SimulatedAsic(first_host(subnet), profile, port=4028)
    await simulate([asic])
    backend, reading = await probe(asic.host, asic.port, timeout=2)
    assert backend.name == EXPECTED[profile]["type"]
    assert reading.ip == asic.host
    check(reading, EXPECTED[profile])
    # the wire form is what the commander receives: H/s floats, nulls not zeros
    wire = reading.model_dump(mode="json")
    assert Asic.model_validate(wire) == reading


@pytest.mark.parametrize("profile", sorted(EXPECTED))
async def test_profile_read_with_given_type(profile: str, subnet: str, simulate) -> None:
    asic = SimulatedAsic(first_host(subnet), profile, port=4028)
    await simulate([asic])
    _, reading = await probe(asic.host, 4028, EXPECTED[profile]["type"], timeout=2)
    check(reading, EXPECTED[profile])


async def test_joined_commands_used_where_supported_else_separate(subnet: str,
                                                                  simulate) -> None:
    s9, s21 = fleet(first_host(subnet), 2, profiles=["antminer-s9", "antminer-s21"])
    await simulate([s9, s21])
    backend = drivers.backend_named("antminer")
    transports = [RpcTransport(a.host, a.port, 2) for a in (s9, s21)]
    for _ in range(2):
        for transport in transports:
            await drivers.read(transport, backend)
    # S9: one joined request per reading (its '}{' stats quirk inside the joined reply)
    assert s9.requests == 2 and transports[0].joined is True
    # S21 refuses joined commands: one refused try, then 4 separate commands per reading
    assert s21.requests == 1 + 4 + 4 and transports[1].joined is False


async def test_varied_fleet_scales_hashrate_only(subnet: str, simulate) -> None:
    base = SimulatedAsic(first_host(subnet), "whatsminer-m31s")
    varied = SimulatedAsic(first_host(subnet)[:-1] + "2", "whatsminer-m31s", factor=1.05)
    await simulate([base, varied])
    _, plain = await probe(base.host, 4028, timeout=2)
    _, scaled = await probe(varied.host, 4028, timeout=2)
    assert scaled.hashrate_hs == pytest.approx(plain.hashrate_hs * 1.05, rel=1e-6)
    assert scaled.boards[1].hashrate_hs == pytest.approx(plain.boards[1].hashrate_hs * 1.05,
                                                         rel=1e-6)
    assert scaled.power_w == plain.power_w and scaled.fans_rpm == plain.fans_rpm


async def test_unreachable_and_unknown_firmware(subnet: str, simulate) -> None:
    with pytest.raises(AsicUnreachable):
        await probe(first_host(subnet), 4028, timeout=1)
    # a cgminer-speaking device that is no ASIC firmware (answers only errors)
    host = first_host(subnet)[:-1] + "9"
    odd = SimulatedAsic(host, "whatsminer-m31s")
    await simulate([odd])
    odd.replies = {}  # every command refused: identification must say so, not guess
    with pytest.raises(AsicNotIdentified):
        await probe(host, 4028, timeout=1)


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_every_backend_gives_none_not_zero_without_data(backend: drivers.Backend) -> None:
    asic = backend.parse("127.0.0.1", Replies(errors={"summary": "'summary' refused: x"}))
    for key in ("hashrate_hs", "power_w", "uptime_s", "mac", "pool", "shares"):
        assert getattr(asic, key) is None, key
    assert asic.boards == [] and asic.fans_rpm == []
    assert asic.errors == ["'summary' refused: x"]


def test_avalon_mm_string_parsing() -> None:
    values = mm_values({"MM ID0": "Ver[15-194] Fan1[4275] MGHS[59.4 61.4] SYSTEMSTATU[Work: "
                                  "In Work, Hash Board: 3 ] FACOPTS0[]"})
    assert values["Fan1"] == ["4275"]
    assert values["MGHS"] == ["59.4", "61.4"]
    assert values["FACOPTS0"] == []
