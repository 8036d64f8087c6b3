"""The sentry's memory budget (40 MB RSS on a rig): what it must not load until it needs it.

A fresh interpreter does what ``minerfarm sentry run`` does before any playbook runs: imports
the program and the sentry, and reads a miner over HTTP (httpx loads its transport then).
ansible-runner and PyYAML (with pexpect) load only when a playbook runs; rich and pygments
(httpx's command-line client) and h2/hpack (HTTP/2, which minerfarm never speaks) never.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sentry_captures import REPO, capture

from minerfarm.sentry.playbooks.runner import _write_extravars

LATER = ("ansible_runner", "ansible", "pexpect", "yaml")
NEVER = ("rich", "pygments", "h2", "hpack", "hyperframe")

PROBE = """
import asyncio, json, sys
from pathlib import Path
import minerfarm.cli, minerfarm.sentry.cli, minerfarm.sentry.service, minerfarm.sentry.runtime
from minerfarm.sentry.miners import read_miner
from minerfarm.sentry.simulator import simulate

async def poll():
    async with simulate("trex", Path(sys.argv[1])) as miner:
        return await read_miner("trex", miner.url, timeout_s=5)

assert asyncio.run(poll()).hashrate_hs
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_sentry_that_runs_no_playbook_loads_no_ansible_yaml_or_pygments() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(capture("trex/summary_0.25.9_api4.1.json"))],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "httpcore" in loaded  # the probe did read over HTTP
    assert sorted(loaded & {*LATER, *NEVER}) == []


def test_the_playbook_runner_still_finds_yaml_when_it_runs(tmp_path: Path) -> None:
    """The lazy import path works: extravars are written as YAML, Jinja text as !unsafe."""
    _write_extravars(tmp_path, {"wallet": "{{ lookup('pipe', 'id') }}", "port": 4067})
    written = (tmp_path / "env" / "extravars").read_text()
    assert "!unsafe" in written and "port: 4067" in written
