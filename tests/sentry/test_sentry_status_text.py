"""``minerfarm sentry status`` reads as text; ``--json`` keeps the shape scripts read."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from minerfarm.agent.link import CommanderLink
from minerfarm.sentry.cli import sentry
from minerfarm.sentry.config import PIN_FILE, MinerEntry, SentryConfig, save_config

JSON_KEYS = {"config_dir", "enrolled", "commander", "rig", "interval_s", "miners",
             "last_report_at", "last_report_seq", "spooled", "spooled_bytes", "dropped"}


def status(config_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(sentry, ["status", "--config-dir", str(config_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_sentry_says_it_is_not_enrolled(tmp_path: Path) -> None:
    text = status(tmp_path)
    assert "Enrolled:     no: run 'minerfarm sentry enroll'" in text
    assert "Last report:  none delivered yet" in text
    assert "Spool:        empty" in text
    assert "Miners:       none configured" in text
    assert "{" not in text  # no JSON fragments in the text
    assert set(json.loads(status(tmp_path, "--json"))) >= JSON_KEYS


def test_an_enrolled_sentry_names_its_rig_and_miners(tmp_path: Path) -> None:
    config = SentryConfig(
        commander=CommanderLink(url="https://farm.example:8443", token="t", rig_id=7,
                                rig_name="rig-7"),
        interval_s=15, miners=[MinerEntry(software="xmrig", api_url="http://127.0.0.1:18080",
                                          playbook_id=3)])
    save_config(config, tmp_path)
    assert "no: the commander's certificate is not pinned" in status(tmp_path)
    (tmp_path / PIN_FILE).write_text("pinned")
    text = status(tmp_path)
    assert "Enrolled:     yes, as rig 'rig-7' (id 7) of https://farm.example:8443" in text
    assert "Reports:      every 15 s" in text
    assert "Miners:       xmrig at http://127.0.0.1:18080 (playbook 3)" in text
    answer = json.loads(status(tmp_path, "--json"))
    assert answer["enrolled"] is True and answer["rig"] == {"id": 7, "name": "rig-7"}
    assert answer["miners"] == [{"software": "xmrig", "api_url": "http://127.0.0.1:18080",
                                 "playbook_id": 3}]
