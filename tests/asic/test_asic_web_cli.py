"""``minerfarm asic-sentry probe`` / ``scan`` as real processes against a simulator process
serving every web-API family (and its RPC ones) on NAT-style ports."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.asic.test_asic_cli import cli
from tests.asic.test_asic_web_drivers import WEB_EXPECTED

pytestmark = pytest.mark.slow

RPC_PORT = random.randint(20000, 30000)
WEB_PORT = RPC_PORT + 10000


@pytest.fixture(scope="module")
def web_fleet() -> Iterator[list[list[str]]]:
    start = f"127.{random.randint(100, 250)}.251.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start,
         "--count", str(len(WEB_EXPECTED)), "--port", str(RPC_PORT), "--web-port",
         str(WEB_PORT), "--profiles", ",".join(sorted(WEB_EXPECTED)), "--exact", "--list"],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    assert ready["ready"]
    yield ready["asics"]
    process.terminate()
    process.wait(5)


def test_probe_identifies_every_web_family(web_fleet: list[list[str]]) -> None:
    for ip, profile, _ in web_fleet:
        expected = WEB_EXPECTED[profile]
        kind = [] if expected.get("identify", True) else ["--type", expected["type"]]
        result = cli("probe", ip, *kind, "--port", str(RPC_PORT), "--web-port", str(WEB_PORT),
                     "--timeout", "3")
        assert result.returncode == 0, (profile, result.stderr)
        entry = json.loads(result.stdout)
        assert (entry["ip"], entry["online"]) == (ip, True)
        assert (entry["make"], entry["model"], entry["mac"]) == (
            expected["make"], expected["model"], expected["mac"]), profile
        assert entry["hashrate_hs"] == pytest.approx(expected["hashrate_hs"]), profile
        assert entry["power_w"] == (pytest.approx(expected["power_w"])
                                    if expected["power_w"] is not None else None), profile


def test_probe_with_a_wrong_type_fails_in_words(web_fleet: list[list[str]]) -> None:
    bitaxe = next(ip for ip, profile, _ in web_fleet if profile == "bitaxe-gamma")
    result = cli("probe", bitaxe, "--type", "goldshell", "--port", str(WEB_PORT),
                 "--timeout", "2")
    assert result.returncode == 1
    assert "Error:" in result.stderr and f"{bitaxe}:{WEB_PORT}" in result.stderr
    assert "Traceback" not in result.stderr


def test_scan_lists_web_families_with_their_ports(web_fleet: list[list[str]]) -> None:
    cidr = web_fleet[0][0].rsplit(".", 1)[0] + ".0/24"
    result = cli("scan", cidr, "--port", str(RPC_PORT), "--web-port", str(WEB_PORT), "--json",
                 "--timeout", "3", "--connect-timeout", "1.5")
    assert result.returncode == 0, result.stderr
    found = {f["ip"]: f for f in json.loads(result.stdout)}
    assert {ip: found[ip]["type"] for ip, _, _ in web_fleet} == {
        ip: WEB_EXPECTED[profile]["type"] if WEB_EXPECTED[profile].get("identify", True)
        else None for ip, profile, _ in web_fleet}
    bitaxe = next(ip for ip, profile, _ in web_fleet if profile == "bitaxe-gamma")
    assert found[bitaxe]["port"] == WEB_PORT
