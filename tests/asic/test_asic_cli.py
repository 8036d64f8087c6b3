"""``python -m minerfarm asic-sentry ...`` as real processes against a simulator process."""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PORT = random.randint(20000, 40000)


@pytest.fixture(scope="module")
def fleet_process() -> Iterator[list[list[str]]]:
    """A simulator process: 5 captured firmwares + a hanging ASIC, on a non-default port."""
    start = f"127.{random.randint(100, 250)}.250.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count", "6",
         "--port", str(PORT), "--hang", "1", "--exact", "--list"],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    assert ready["ready"]
    yield ready["asics"]
    process.terminate()
    process.wait(5)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minerfarm", "asic-sentry", *args],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


def test_probe_prints_one_asics_entry(fleet_process: list[list[str]]) -> None:
    host = next(ip for ip, profile, _ in fleet_process if profile == "antminer-s21")
    result = cli("probe", host, "--port", str(PORT))
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stdout)
    assert entry["ip"] == host and entry["online"] is True
    assert (entry["make"], entry["model"]) == ("Antminer", "S21")
    assert entry["hashrate_hs"] == pytest.approx(203007.01e9)
    assert entry["shares"] == {"accepted": 11187, "rejected": 9, "stale": 0}
    assert entry["mac"] is None  # not given by RPC: null, never 0 or ""


def test_probe_dead_address_fails_with_a_message(fleet_process: list[list[str]]) -> None:
    result = cli("probe", "127.0.0.1", "--port", "1", "--timeout", "1")
    assert result.returncode == 1
    assert "Error:" in result.stderr and "127.0.0.1:1" in result.stderr


def test_scan_table_and_json(fleet_process: list[list[str]]) -> None:
    cidr = fleet_process[0][0].rsplit(".", 1)[0] + ".0/24"
    result = cli("scan", cidr, "--port", str(PORT), "--json", "--timeout", "1")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [f["ip"] for f in found] == [ip for ip, _, _ in fleet_process]
    assert [f["type"] for f in found] == ["antminer", "antminer", "braiins", "whatsminer",
                                          "avalon", None]
    table = cli("scan", cidr, "--port", str(PORT), "--timeout", "1")
    assert table.returncode == 0
    assert "AvalonMiner" in table.stdout and "197.27 TH/s" in table.stdout
    assert "5 ASIC(s) identified, 6 answered" in table.stderr


def test_add_checks_then_saves_privately(fleet_process: list[list[str]], tmp_path: Path) -> None:
    host = next(ip for ip, profile, _ in fleet_process if profile == "whatsminer-m31s")
    hanging = next(ip for ip, _, fault in fleet_process if fault == "hang")
    config_dir = tmp_path / "asic"
    env = {"MINERFARM_ASIC_CONFIG_DIR": str(config_dir)}
    refused = cli("add", "--ip", hanging, "--port", str(PORT), "--timeout", "1", env=env)
    assert refused.returncode == 1 and not config_dir.exists()
    result = cli("add", "--ip", host, "--port", str(PORT), env=env)
    assert result.returncode == 0, result.stderr
    path = config_dir / "asic-sentry.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())["asics"]
    assert saved == [{"ip": host, "port": PORT, "type": "whatsminer"}]
    status = cli("status", "--poll", "--json", env=env)
    assert status.returncode == 0, status.stderr
    (row,) = json.loads(status.stdout)
    assert row["reading"]["online"] is True and row["reading"]["power_w"] == 3553


def test_add_all_found_adds_every_identified_asic_once(fleet_process: list[list[str]],
                                                       tmp_path: Path) -> None:
    cidr = fleet_process[0][0].rsplit(".", 1)[0] + ".0/24"
    env = {"MINERFARM_ASIC_CONFIG_DIR": str(tmp_path / "asic")}
    first = cli("add", "--all-found", cidr, "--port", str(PORT), "--timeout", "1", env=env)
    assert first.returncode == 0, first.stderr
    identified = [ip for ip, _, fault in fleet_process if fault != "hang"]
    assert first.stdout.count("added ") == len(identified) == 5
    assert "5 ASIC(s) added, 0 already watched" in first.stderr
    named = cli("add", "--ip", identified[0], "--port", str(PORT), "--name", "rack-1", env=env)
    assert f"updated rack-1 ({identified[0]}:{PORT})" in named.stdout, named.stderr
    again = cli("add", "--all-found", cidr, "--port", str(PORT), "--timeout", "1", env=env)
    assert "0 ASIC(s) added, 5 already watched" in again.stderr
    assert f"already watched rack-1 ({identified[0]}:{PORT})" in again.stdout
    config = json.loads((tmp_path / "asic" / "asic-sentry.json").read_text())
    assert [a["ip"] for a in config["asics"]] == identified
    table = cli("scan", cidr, "--port", str(PORT), "--timeout", "1", env=env)
    assert any(line.split()[:3] == [identified[0], str(PORT), "rack-1"]
               for line in table.stdout.splitlines()), table.stdout
    nothing = cli("add", "--all-found", "127.0.0.1/32", "--port", "1", env=env)
    assert nothing.returncode == 1 and "no ASIC identified in 127.0.0.1/32" in nothing.stderr


def test_probe_identifies_the_newer_rpc_families_without_type() -> None:
    """LuxOS (which answers with the stock Antminer Type), the Avalon Q, Whatsminer API 3."""
    start = f"127.{random.randint(100, 250)}.251.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count", "3",
         "--port", str(PORT), "--exact", "--list",
         "--profiles", "luxos-s19kpro,avalon-q,whatsminer-api3"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        asics = json.loads(process.stdout.readline())["asics"]
        seen = []
        for host, _, _ in asics:
            result = cli("probe", host, "--port", str(PORT))
            assert result.returncode == 0, result.stderr
            entry = json.loads(result.stdout)
            seen.append((entry["make"], entry["model"], entry["software_version"]))
        assert seen == [("Antminer", "S19k Pro", "LUXminer 2025.4.8.220305-57b389c7"),
                        ("Avalon", "Q", "cgminer 4.11.1"), ("Whatsminer", "M60S", "btminer")]
    finally:
        process.terminate()
        process.wait(5)
