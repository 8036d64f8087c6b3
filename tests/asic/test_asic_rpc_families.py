"""LuxOS, Avalon home miners, Whatsminer API 2/3: what the golden tests in
test_asic_drivers.py do not show (identity info, optional commands, API 3, robustness)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from minerfarm.asic import drivers
from minerfarm.asic.drivers import Replies, RpcTransport, probe
from minerfarm.asic.drivers import whatsminer as wm
from minerfarm.asic.drivers.avalon import mm_values
from minerfarm.asic.simulator import SimulatedAsic, captures_dir
from minerfarm.protocol.reports import Asic

G = 1e9


def capture(relative: str) -> dict[str, Any]:
    return dict(json.loads((captures_dir() / relative).read_text()))


def host_of(subnet: str, n: int = 1) -> str:
    return subnet.replace(".0/24", f".{n}")


@pytest.mark.parametrize(("profile", "model", "variant", "psu"), [
    ("whatsminer-api2", None, None, ("P222B", "230208.220429", 6000)),
    ("whatsminer-api3", "M60S", "VK40", ("P221B", "230224.220429", 6344)),
])
async def test_whatsminer_info_over_tcp(profile: str, model: str | None, variant: str | None,
                                        psu: tuple[str, str, float], subnet: str,
                                        simulate) -> None:
    asic = SimulatedAsic(host_of(subnet), profile)
    await simulate([asic])
    backend, reading = await probe(asic.host, 4028, timeout=2)
    assert backend.name == "whatsminer"
    assert (reading.model, reading.model_variant) == (model, variant)
    assert reading.psu is not None
    assert (reading.psu.model, reading.psu.firmware_version, reading.psu.fan_rpm) == psu
    assert Asic.model_validate(reading.model_dump(mode="json")) == reading


async def test_whatsminer_api3_error_codes_carry_their_time(subnet: str, simulate) -> None:
    asic = SimulatedAsic(host_of(subnet), "whatsminer-api3-errors")
    await simulate([asic])
    _, reading = await probe(asic.host, 4028, timeout=2)
    codes = capture("whatsminer/api3_get_device_info_with_errors.json")["msg"]["error-code"]
    assert len(reading.errors) == len(codes) == 5
    assert reading.errors[0].endswith(f"(since {codes[0]['264']})")


def test_whatsminer_api3_alone_gives_identity_not_figures() -> None:
    """A device whose RPC said nothing: get.device.info alone (model, MAC, firmware, PSU,
    detected hashrate); live figures stay None, never 0."""
    info = capture("whatsminer/api3_0_2_get_device_info.json")
    asic = wm.parse("10.0.0.5", Replies(data={wm.API3: info}))
    assert (asic.make, asic.model, asic.model_variant) == ("Whatsminer", "M60S", "VK40")
    assert asic.mac == "CE:02:01:00:8C:36" and asic.firmware_version == "20251209.16.Rel2"
    assert asic.expected_hashrate_hs == pytest.approx((61434 + 53890 + 65727) * G)
    assert asic.hashrate_hs is None and asic.power_w is None and asic.boards == []
    assert asic.errors == []


def test_whatsminer_api2_status_and_version_alone() -> None:
    version = capture("whatsminer/api2_0_5_get_version.json")
    status = capture("whatsminer/api2_status.json")
    asic = wm.parse("10.0.0.6", Replies(data={"get_version": version, "status": status}))
    assert asic.firmware_version == "20230803.11.REL"  # get_version before status
    assert asic.psu is None and asic.errors == []  # mineroff "false"
    stopped = {**status, "Msg": {**status["Msg"], "mineroff": "true"}}
    asic = wm.parse("10.0.0.6", Replies(data={"status": stopped}))
    assert asic.firmware_version == "20240624.18.REL"
    assert asic.errors == ["mining stopped (mineroff)"]


def test_api3_wanted_by_version_or_date() -> None:
    assert wm.wants_api3(capture("whatsminer/api2_0_5_get_version.json")["Msg"]) is False
    assert wm.wants_api3({"api_ver": "3.0.2"}) is True
    assert wm.wants_api3({"fw_ver": "20251209.16.Rel2"}) is True
    assert wm.wants_api3({}) is False


async def test_optional_commands_asked_once_where_refused(subnet: str, simulate) -> None:
    """The A1566 has no litestats, the M31S no get_version/get_psu/status and no API 3 port:
    no error for them, and they are not asked again."""
    avalon = SimulatedAsic(host_of(subnet, 1), "avalon-1566")
    whatsminer = SimulatedAsic(host_of(subnet, 2), "whatsminer-m31s")
    await simulate([avalon, whatsminer])
    for asic, backend, skipped in (
            (avalon, "avalon", {"litestats"}),
            (whatsminer, "whatsminer", {"get_version", "get_psu", "status", wm.API3})):
        transport = RpcTransport(asic.host, 4028, 2)
        first = await drivers.read(transport, drivers.backend_named(backend))
        assert first.errors == [] and transport.skip == skipped
        again = await drivers.read(transport, drivers.backend_named(backend))
        assert again == first
        assert asic.requests == 2  # one joined request per reading, the optional ones left out


async def test_api3_port_silent_for_a_firmware_that_should_have_it(subnet: str,
                                                                   simulate) -> None:
    """get_version says API 3 but port 4433 is closed: named in errors, asked again later."""
    asic = SimulatedAsic(host_of(subnet), "whatsminer-m31s")
    await simulate([asic])
    asic.replies["get_version"] = json.dumps(
        {"STATUS": "S", "Code": 131, "Msg": {"api_ver": "3.0.2"}, "Description": ""}).encode()
    transport = RpcTransport(asic.host, 4028, 2)
    reading = await drivers.read(transport, drivers.backend_named("whatsminer"))
    assert len(reading.errors) == 1 and "API 3" in reading.errors[0]
    assert "4433" in reading.errors[0] and wm.API3 not in transport.skip


def test_litestats_pairs_read_robustly() -> None:
    text = capture("avalon/avalon_q_25052801_litestats.json")["STATS"][0]["MM ID0:Summary"]
    values = mm_values({"MM ID0:Summary": text})
    assert values["Ver"] == ["Q-25052801_14a19a2"]  # right after "'STATS':{"
    assert values["SYSTEMSTATU"] == ["Work:", "In", "Idle,", "Hash", "Board:", "1"]
    assert values["PS"] == ["0", "1221", "4", "0", "0", "2245", "146"]
    assert values["Nonce Mask"] == ["25"] and values["SSID"] == [] and values["DH"] == ["2.449%"]
    assert values["ATA0"] == ["800-65-2264-258-20"]
    # cut short, a stray bracket, a key seen twice: the pairs that are whole are kept, the first
    # of a repeated key wins
    damaged = mm_values({"MM ID0": "GHSmm[100] ]] Fan1[50] GHSmm[7] WALLPOWER[12"})
    assert damaged == {"GHSmm": ["100"], "Fan1": ["50"]}


async def test_luxos_told_from_stock_antminer_by_its_own_key() -> None:
    version = capture("luxos/luxminer_2025.4.8_s19kpro_version.json")
    assert version["VERSION"][0]["Type"].startswith("Antminer")  # what stock says too
    recognised = [b.name for b in drivers.BACKENDS if b.recognizes(version)]
    assert recognised[0] == "luxos"
    assert drivers.BACKEND_NAMES.index("luxos") < drivers.BACKEND_NAMES.index("antminer")
