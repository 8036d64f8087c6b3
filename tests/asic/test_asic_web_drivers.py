"""Every captured web (and new RPC) firmware through the simulator over real sockets: each
backend identified without ``--type`` and read into the ``asics[]`` entry a user sees, with
figures computed by hand from the captures in shared/fixtures/miner-apis."""

from __future__ import annotations

import json
from typing import Any

import pytest

from minerfarm.asic import discovery, drivers
from minerfarm.asic.drivers import Replies, probe
from minerfarm.asic.simulator import PROFILES, SimulatedAsic, captures_dir, fleet
from minerfarm.protocol.reports import Asic

G, M, T = 1e9, 1e6, 1e12
RPC_PORT, WEB_PORT = 14028, 18080  # NAT-style overrides: no test needs port 80
# BOS names its builds by date: read from the capture (tests hold no date literals)
BOS_VERSION = json.loads((captures_dir() / "braiins/bos_26.04_s21pro_rest_miner_details.json")
                         .read_text())["bos_version"]["current"]

WEB_EXPECTED: dict[str, dict[str, Any]] = {
    "bitaxe-gamma": {  # axeos_v2.12.2_gamma601_system_info.json + axeos_gamma_system_asic.json
        "type": "bitaxe", "make": "Bitaxe", "model": "Gamma", "mac": "10:F5:12:33:BB:F0",
        "firmware_version": "v2.12.2", "software_version": "ESP-Miner v2.12.2",
        "hashrate_hs": 1088.9354248 * G,        # hashRate_1m, GH/s
        "expected_hashrate_hs": 1071 * G,       # expectedHashrate
        "boards": [(1088.9354248 * G, 62, 60.125)],  # vrTemp, temp (ASIC); temp2 -1 = none
        "fans_rpm": [3915], "power_w": 18.7522583,  # fan2rpm 0: no second fan
        "pool": "stratum+tcp://solo.ckpool.org:3333",  # isUsingFallbackStratum: 1
        "shares": (4768, 13, None), "uptime_s": 18574, "algorithm": "SHA-256", "coin": "BTC",
    },
    "goldshell-ck5": {  # mcb_status, ck5_mcb_cgminer_devs, ck5_mcb_pools, mcb_setting
        "type": "goldshell", "make": "Goldshell", "model": "CK5", "mac": "28:E2:97:4D:55:10",
        "firmware_version": "2.0.1", "software_version": None,
        "hashrate_hs": (2992548.779 + 3240137.484 + 3205471.732 + 3013904.369) * M,
        "expected_hashrate_hs": None,
        "boards": [(2992548.779 * M, 83, None), (3240137.484 * M, 83, None),
                   (3205471.732 * M, 84, None), (3013904.369 * M, 84, None)],
        "fans_rpm": [2940] * 4, "power_w": None,
        "pool": "stratum+tcp://us-ckb.2miners.com:6464",
        "shares": (222312 + 222918 + 222004 + 223048, 4434 + 4353 + 4528 + 4445, None),
        "uptime_s": None, "algorithm": "Eaglesong", "coin": "CKB",
    },
    "epic-umcos": {  # epic_umcos_summary, capabilities, network
        "type": "epic", "make": "Antminer", "model": "S19 XP", "mac": "E6:D4:41:51:64:28",
        "firmware_version": "PowerPlay-BMS v1.5.13", "software_version": "umcOS",
        "hashrate_hs": (49440724.0 + 49925124.0) * M,  # HBs[].Hashrate[0], MH/s
        "expected_hashrate_hs": 143 * T,        # capabilities "Default Hashrate"
        "boards": [(49440724.0 * M, 67, None), (49925124.0 * M, 64.312, None)],
        "fans_rpm": [5971, 0, 5942, 5745],      # slots 5-12 are null: no fan
        "power_w": 2166.6174, "pool": "stratum+tcp://mine.ocean.xyz:3334",
        "shares": (1862, 2, None), "uptime_s": 23170, "algorithm": "SHA-256", "coin": "BTC",
    },
    "auradine-gcminer": {  # gcminer_* RPC replies (several firmware versions)
        "type": "auradine", "make": "Auradine", "model": None, "mac": None,
        "firmware_version": "GCMiner-2023-05.24-0ce5e7cc93a3815240fa189d0beb44b8c834936c",
        "software_version": "GCMiner 0.5",
        "hashrate_hs": 10256844.54901739 * M, "expected_hashrate_hs": None,  # MHS 1m
        "boards": [(None, 41.5, 45.827271728515655), (None, 43.0, 48.220855712890625),
                   (None, 47.5, 51.41230102539066)],  # hottest BoardTemp / ChipTemp
        "fans_rpm": [7080, 7020, 7100, 7020], "power_w": 58.94,  # PSU PowerIn "58.94W"
        "pool": "stratum+tcp://btc.viabtc.io:3333",
        "shares": (3310, 1, None), "uptime_s": 56696, "algorithm": "SHA-256", "coin": "BTC",
    },
    "elphapex-dg1home": {  # elphapex_dg1home_* CGI replies (the miner is idle)
        "type": "elphapex", "make": "Elphapex", "model": "DG-Home1", "mac": "B8:4C:87:E0:66:B2",
        "firmware_version": "DG-Home1_V1.0.5", "software_version": None,
        "hashrate_hs": 0.0,                     # idle: it says 0, so 0
        "expected_hashrate_hs": 3003.75 * M,    # rate_ideal in rate_unit MH/s
        "boards": [(0.0, 67, None)],            # chains 0-2 have no chips and no serial
        "fans_rpm": [420, 420, 420, 1020], "power_w": None, "pool": None,  # all Unreachable
        "shares": (0, 0, 0), "uptime_s": 0, "algorithm": "Scrypt", "coin": None,
    },
    "sealminer-a2": {  # sealminer_a2_* (RPC) + miner_psu_status (web, cookie login)
        "type": "sealminer", "make": "SealMiner", "model": "A2", "mac": "50:D4:48:4B:86:78",
        "firmware_version": "2025091001", "software_version": "bdminer 4.11.1",
        "hashrate_hs": 197599714.1 * M, "expected_hashrate_hs": 230839407.28559 * M,
        "boards": [(73905832.003432 * M, 70, None), (73626639.194207 * M, 70, None),
                   (72846394.903347 * M, 70, None)],
        "fans_rpm": [3723, 3723, 3753, 3723], "power_w": 3504,
        "pool": "stratum+tcp://stratum.braiins.com:3333",
        "shares": (1421, 3, 0), "uptime_s": 2481, "algorithm": "SHA-256", "coin": "BTC",
    },
    "braiins-s21pro": {  # bos_26.04_* REST replies (no 26.04 RPC capture: RPC not served)
        "type": "braiins", "identify": False,  # identified over RPC, which is not simulated
        "make": "Antminer", "model": "S21 Pro", "mac": "02:8F:77:EC:E7:E0",
        "serial": "THQGFKUBDJIAH0E9G",  # miner/details serial_number (not the PSU's)
        "firmware_version": BOS_VERSION, "software_version": f"Braiins OS {BOS_VERSION}",
        "hashrate_hs": 247350.7543407177 * G,   # miner_stats real_hashrate last_1m
        "expected_hashrate_hs": 234000 * G,     # sticker_hashrate
        "boards": [(81347.9502098183 * G, 50.375, 65.375),
                   (84529.12132906472 * G, 48.5625, 63.5625),
                   (80532.23907359612 * G, 48.5, 63.5)],
        "fans_rpm": [5943, 5943, 5943, 5973], "power_w": 3480,
        "pool": "stratum+tcp://example.pool.com:3333",
        "shares": (848, 0, 0), "uptime_s": 7039, "algorithm": "SHA-256", "coin": "BTC",
    },
    "braiins-25.03": {  # bos_25.03_graphql_boards.json only (RPC gives the rest in life)
        "type": "braiins", "identify": False,  # identified over RPC, which is not simulated
        "make": None, "model": None, "mac": None, "firmware_version": None,
        "software_version": None,
        "hashrate_hs": (83918106.33861414 + 83283681.99310651 + 83301159.58088903) * M,
        "expected_hashrate_hs": (86356825.58999999 + 86405595.41304 + 86428018.1832) * M,
        "boards": [(83918106.33861414 * M, 60, 75), (83283681.99310651 * M, 58.5, 73.5),
                   (83301159.58088903 * M, 57.5, 72.5)],  # mhs5S, Max Board, Max Chip
        "fans_rpm": [], "power_w": None, "pool": None, "shares": None, "uptime_s": None,
        "algorithm": "SHA-256", "coin": "BTC",
    },
}


def first_host(cidr: str) -> str:
    return cidr.replace(".0/24", ".1")


def check(asic: Asic, expected: dict[str, Any]) -> None:
    assert asic.online is True
    for key in ("make", "model", "mac", "firmware_version", "software_version", "pool",
                "algorithm", "coin"):
        assert getattr(asic, key) == expected[key], key
    assert asic.serial == expected.get("serial")  # only where the firmware gives one
    for key in ("hashrate_hs", "expected_hashrate_hs", "power_w", "uptime_s"):
        want = expected[key]
        assert getattr(asic, key) == (None if want is None else pytest.approx(want, rel=1e-9)), key
    assert [(b.hashrate_hs, b.temp_c, b.chip_temp_c) for b in asic.boards] == [
        tuple(pytest.approx(v, rel=1e-9) if v is not None else None for v in board)
        for board in expected["boards"]]
    assert asic.fans_rpm == expected["fans_rpm"]
    if expected["shares"] is None:
        assert asic.shares is None
    else:
        assert asic.shares is not None
        assert (asic.shares.accepted, asic.shares.rejected, asic.shares.stale) == \
            expected["shares"]


@pytest.mark.parametrize("profile", sorted(WEB_EXPECTED))
async def test_identified_and_read_over_sockets(profile: str, subnet: str, simulate) -> None:
    asic = SimulatedAsic(first_host(subnet), profile, port=RPC_PORT, web_port=WEB_PORT)
    await simulate([asic])
    expected = WEB_EXPECTED[profile]
    kind = None if expected.get("identify", True) else expected["type"]
    backend, reading = await probe(asic.host, RPC_PORT, kind, timeout=2, web_port=WEB_PORT)
    assert backend.name == expected["type"]
    check(reading, expected)
    assert Asic.model_validate(reading.model_dump(mode="json")) == reading
    if not profile.startswith("braiins-"):  # their RPC is not simulated: named in errors
        assert reading.errors == []
    # and read the same when the type is given (no identification)
    _, again = await probe(asic.host, RPC_PORT, backend.name, timeout=2, web_port=WEB_PORT)
    check(again, WEB_EXPECTED[profile])


async def test_braiins_rest_names_what_failed_and_the_newest_miner_errors(
        subnet: str, simulate) -> None:
    asic = SimulatedAsic(first_host(subnet), "braiins-s21pro", port=RPC_PORT,
                         web_port=WEB_PORT)
    await simulate([asic])
    _, reading = await probe(asic.host, RPC_PORT, "braiins", timeout=2, web_port=WEB_PORT)
    rpc_error, *log = reading.errors
    assert f"{asic.host}:{RPC_PORT}" in rpc_error  # RPC refused: said, not hidden
    assert len(log) == 5 and log == sorted(log, reverse=True)  # newest first, by timestamp


async def test_antminer_stock_gets_model_and_firmware_from_the_web_api(subnet: str,
                                                                       simulate) -> None:
    """The S21 capture's get_system_info.cgi over digest auth (root/root): asked on every
    reading; its MAC was sanitised in the capture (``3M``) and is refused, not passed on."""
    asic = SimulatedAsic(first_host(subnet), "antminer-s21", port=RPC_PORT, web_port=WEB_PORT)
    await simulate([asic])
    backend = drivers.backend_named("antminer")
    endpoint = drivers.Endpoint(asic.host, RPC_PORT, WEB_PORT, 2)
    try:
        reading = await drivers.read(endpoint, backend)
    finally:
        await endpoint.session.aclose()
    assert asic.web is not None and asic.web.requests == 2  # digest challenge, then the call
    assert reading.mac is None and reading.model == "S21" and reading.errors == []
    assert reading.serial == "THQING0BDJAB024NF"  # serinum
    web_only = backend.parse(asic.host, Replies(web={"system_info": {
        "minertype": "Antminer S21", "macaddr": "02:55:97:22:3A:72",
        "system_filesystem_version": "FR-1.12(251009-S21)"}}))
    assert (web_only.make, web_only.model, web_only.mac, web_only.firmware_version) == (
        "Antminer", "S21", "02:55:97:22:3A:72", "FR-1.12(251009-S21)")


async def test_scan_finds_rpc_and_web_asics_mixed(subnet: str, simulate) -> None:
    names = sorted(PROFILES)
    asics = fleet(first_host(subnet), len(names), port=RPC_PORT, web_port=WEB_PORT,
                  profiles=names, varied=False)
    await simulate(asics)
    # generous connect timeout: the sweep shares this loop with the simulators
    found = await discovery.scan([subnet], RPC_PORT, web_port=WEB_PORT, connect_timeout=1.5,
                                 identify_timeout=3)
    assert {f.ip: f.type for f in found} == {  # Braiins OS is identified over RPC
        a.host: None if a.profile in ("braiins-25.03", "braiins-s21pro")
        else PROFILES[a.profile].family for a in asics}
    ports = {f.type: f.port for f in found}
    assert ports["bitaxe"] == WEB_PORT and ports["epic"] == RPC_PORT  # where each was read
    assert ports["antminer"] == RPC_PORT
