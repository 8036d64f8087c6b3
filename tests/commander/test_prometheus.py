"""A real Prometheus (Debian's package) scrapes a real commander over HTTPS with the metrics
token, and answers a query about a rig's hashrate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import CommanderProcess, free_port, report, wait_for

# Prometheus (Go) reads the real clock, which libfaketime cannot move: under CI's +30 days pass
# the commander's certificate, made "30 days from now", would not be valid yet for it.
pytestmark = [pytest.mark.slow, pytest.mark.realclock]


@pytest.fixture
def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's prometheus package is missing: .ci/run installs it")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    return found


@pytest.fixture
def prometheus(prometheus_binary: str, commander: CommanderProcess,
               tmp_path: Path) -> Iterator[str]:
    made = subprocess.run(
        [sys.executable, "-m", "minerfarm", "commander", "--data-dir", str(commander.data_dir),
         "metrics-token"], capture_output=True, text=True, check=True, timeout=60)
    token_file = tmp_path / "metrics-token"
    token_file.write_text(made.stdout.strip())
    token_file.chmod(0o600)
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""\
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: minerfarm
    scheme: https
    tls_config: {{ca_file: "{commander.cert}"}}
    authorization: {{type: Bearer, credentials_file: "{token_file}"}}
    static_configs: [{{targets: ["127.0.0.1:{commander.port}"]}}]
""")
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [prometheus_binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path}/tsdb",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_prometheus_scrapes_the_commander_and_answers_a_query(
        commander: CommanderProcess, prometheus: str, tmp_path: Path) -> None:
    _, token = commander.create_rig("prom-rig")
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(
            1, miners=[{"software": "trex", "algorithm": "kawpow", "hashrate_hs": 31.5e6}])]})
        assert answer.status_code == 202

    def query() -> list[dict[str, object]] | None:
        try:
            body = httpx.get(f"{prometheus}/api/v1/query", timeout=5, params={
                "query": 'minerfarm_rig_hashrate_hs{rig="prom-rig"}'}).json()
        except (httpx.TransportError, ValueError):
            return None
        return body["data"]["result"] or None  # type: ignore[no-any-return]

    result = wait_for(query, 60, "Prometheus to scrape the rig's hashrate")
    assert result[0]["metric"]["algorithm"] == "KawPoW"  # type: ignore[index]
    assert float(result[0]["value"][1]) == 31.5e6  # type: ignore[index]
    targets = httpx.get(f"{prometheus}/api/v1/targets", timeout=5).json()
    target = targets["data"]["activeTargets"][0]
    assert target["health"] == "up", (target, (tmp_path / "prometheus.log").read_text()[-2000:])
