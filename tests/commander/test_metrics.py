"""``GET /metrics`` on a real commander: who may scrape it, and what a scrape says about the
rigs, GPUs, miners and ASICs that reported."""

from __future__ import annotations

import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

from tests.support import CommanderProcess, report, wait_for

GPU_REPORT = {
    "host": {"cpu": {"temp_c": 51.0, "usage_pct": 40.0}},
    "gpus": [{"index": 0, "vendor": "nvidia", "temp_c": 74.0, "fan_pct": 68.0,
              "power_w": 195.0, "hashrate_hs": 60e6}],
    "miners": [{"software": "trex", "algorithm": "ethash", "coin": "ETC", "hashrate_hs": 60e6,
                "running": True, "shares": {"accepted": 120, "rejected": 3}}],
}
ASICS = [
    {"ip": "10.0.0.19", "mac": "AA:BB:CC:00:00:19", "make": "Antminer", "model": "S19 Pro",
     "online": True, "hashrate_hs": 110e12, "power_w": 3250, "fans_rpm": [5400, 5460, 5520, 5580],
     "boards": [{"index": 0, "temp_c": 61, "chip_temp_c": 76},
                {"index": 1, "temp_c": 64, "chip_temp_c": 79}],
     "shares": {"accepted": 900, "rejected": 1}},
    {"ip": "10.0.0.20", "make": "Antminer", "model": "S19", "online": False},
]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_metrics_need_the_admin_or_the_metrics_token(commander: CommanderProcess) -> None:
    with commander.anonymous() as anonymous:
        answer = anonymous.get("/metrics")
        assert answer.status_code == 401
        wrong = anonymous.get("/metrics", headers={"Authorization": "Bearer mfm_not-it"})
        assert wrong.status_code == 401 and "metrics-token" in wrong.json()["error"]["message"]

    made = subprocess.run(
        [sys.executable, "-m", "minerfarm", "commander", "--data-dir", str(commander.data_dir),
         "metrics-token"], capture_output=True, text=True, check=True, timeout=60)
    token = made.stdout.strip()
    assert token.startswith("mfm_") and "stored hashed" in made.stderr
    assert token not in (commander.data_dir / "metrics-token.hash").read_text()
    with commander.anonymous(headers={"Authorization": f"Bearer {token}"}) as prometheus:
        scrape = prometheus.get("/metrics")
    assert scrape.status_code == 200, scrape.text
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "minerfarm_farm_rigs" in scrape.text
    with commander.admin() as admin:
        assert admin.get("/metrics").status_code == 200


def test_a_scrape_gives_each_rig_gpu_miner_and_asic(commander: CommanderProcess) -> None:
    _, gpu_token = commander.create_rig("metrics-gpu")
    _, asic_token = commander.create_rig("metrics-lan", kind="asic")
    with commander.sentry(gpu_token) as sentry:
        assert sentry.post("/api/v1/sentry/reports",
                           json={"reports": [report(1, **GPU_REPORT)]}).status_code == 202
    with commander.sentry(asic_token) as sentry:
        assert sentry.post("/api/v1/sentry/reports",
                           json={"reports": [report(1, asics=ASICS)]}).status_code == 202

    with commander.admin() as admin:
        found = wait_for(lambda: (s := samples(admin.get("/metrics").text)) and value(
            s, "minerfarm_asic_up", rig="metrics-lan", asic="10.0.0.19") == 1.0 and value(
            s, "minerfarm_rig_up", rig="metrics-gpu", kind="cpu_gpu") == 1.0 and s,
            10, "both rigs in a scrape")

    gpu = {"rig": "metrics-gpu", "gpu": "0"}
    assert value(found, "minerfarm_gpu_temperature_celsius", **gpu) == 74.0
    assert value(found, "minerfarm_gpu_fan_ratio", **gpu) == 0.68
    assert value(found, "minerfarm_gpu_power_watts", **gpu) == 195.0
    assert value(found, "minerfarm_cpu_temperature_celsius", rig="metrics-gpu") == 51.0
    miner = {"rig": "metrics-gpu", "miner": "trex"}
    assert value(found, "minerfarm_miner_hashrate_hs", **miner, algorithm="Ethash",
                 coin="ETC") == 60e6
    assert value(found, "minerfarm_miner_shares_accepted_total", **miner) == 120
    assert value(found, "minerfarm_miner_shares_rejected_total", **miner) == 3
    assert value(found, "minerfarm_rig_hashrate_hs", rig="metrics-gpu", kind="cpu_gpu",
                 algorithm="Ethash") == 60e6

    asic = {"rig": "metrics-lan", "asic": "10.0.0.19"}
    assert value(found, "minerfarm_asic_hashrate_hs", **asic, algorithm="SHA-256",
                 coin="") == 110e12
    assert value(found, "minerfarm_asic_temperature_celsius", **asic, sensor="chip") == 79
    assert value(found, "minerfarm_asic_temperature_celsius", **asic, sensor="board") == 64
    assert [value(found, "minerfarm_asic_fan_rpm", **asic, fan=str(n)) for n in range(4)] == [
        5400, 5460, 5520, 5580]
    assert value(found, "minerfarm_asic_info", **asic, mac="aa:bb:cc:00:00:19",
                 make="Antminer", model="S19 Pro", firmware="") == 1.0
    # the ASIC that does not answer: down, and no figures as if it did
    assert value(found, "minerfarm_asic_up", rig="metrics-lan", asic="10.0.0.20") == 0.0
    assert not [key for key in found if key[0] == "minerfarm_asic_hashrate_hs"
                and ("asic", "10.0.0.20") in key[1]]
    assert value(found, "minerfarm_farm_hashrate_hs", algorithm="SHA-256") == 110e12
    assert value(found, "minerfarm_farm_asics", state="offline") == 1
    assert value(found, "minerfarm_ingest_reports_stored_total") is not None
    assert value(found, "minerfarm_ingest_queue_depth") is not None
    assert value(found, "minerfarm_dead_letters") == 0
