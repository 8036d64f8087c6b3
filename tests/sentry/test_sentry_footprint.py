"""The sentry's memory budget (40 MB RSS on a rig): what it must not load until it needs it,
and what it may cost over a bare asyncio HTTP client.

A fresh interpreter does what ``minerfarm sentry run`` does before any playbook runs: imports
the program and the sentry, builds a report from two simulated miners read over HTTP and
validates it. ansible-runner, PyYAML (with pexpect) and importlib.metadata load only when a
playbook runs, and so does what runs playbooks and miners (the applier, runner, supervisor and
log shipper: about 1 MB with shutil); of the miner adapters only those of the miners read, and
the cgminer TCP client (with orjson) only for a cgminer-style miner; httpx with httpcore and
anyio (about 5 MB: the sentry speaks HTTP/1.1 with :mod:`minerfarm.http11`), rich and pygments,
and h2/hpack never.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sentry_captures import REPO
from sentry_run_helpers import simulated_miners

from minerfarm.sentry.playbooks.runner import _write_extravars

LATER = ("ansible_runner", "ansible", "pexpect", "yaml", "importlib.metadata")
NEVER = ("httpx", "httpcore", "anyio", "rich", "pygments", "h2", "hpack", "hyperframe")
# modules of minerfarm (and shutil) a round of two HTTP miners, T-Rex and XMRig, does without
UNNEEDED = ("minerfarm.sentry.playbooks.applier", "minerfarm.sentry.playbooks.runner",
            "minerfarm.sentry.playbooks.supervisor", "minerfarm.sentry.playbooks.logship",
            "minerfarm.ansible_support", "shutil", "minerfarm.cgminer",
            "minerfarm.sentry.miners.cgminer_tcp", "minerfarm.sentry.miners.lolminer",
            "minerfarm.sentry.miners.teamredminer", "minerfarm.sentry.miners.bzminer")

# What the sentry may cost over FLOOR (measured 5.6 MB on CPython 3.11, x86-64; 6.1 before the
# playbook runner and the unused miner adapters were left unloaded): its own code
# and models, sqlite3, and click (the probe imports minerfarm.cli; `sentry run` itself starts
# without it, and reads /proc instead of psutil). Over this, something big crept in.
SENTRY_OVER_FLOOR_MB = 7.5

RSS = """
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
"""

# Any asyncio HTTP client with typed models does this much: HTTP/1.1 over asyncio streams
# (h11, as the sentry speaks it), two miners read over HTTP, one pydantic model, a worker thread.
FLOOR = RSS + """
import asyncio, json, sys, time
import minerfarm.lean; minerfarm.lean.skip_unused_parts()
import pydantic
from minerfarm import http11
type("M", (pydantic.BaseModel,), {"__annotations__": {"x": int}}).model_validate({"x": 1})

async def poll():
    for url in sys.argv[1:]:
        async with http11.Pool(url) as pool:
            await pool.request("GET", "/")
    await asyncio.to_thread(time.sleep, 0)

asyncio.run(poll())
print(json.dumps({"rss_mb": rss_mb()}))
"""

PROBE = RSS + """
import asyncio, json, sys
from pathlib import Path
import minerfarm.cli, minerfarm.sentry.cli, minerfarm.sentry.service
from minerfarm.sentry.runtime import SentryRuntime
from minerfarm.sentry.targets import ConfigMiners
from minerfarm.sentry.config import MinerEntry
from minerfarm.protocol.reports import Report

async def report():
    miners = [MinerEntry(software=s, api_url=u) for s, u in zip(sys.argv[1::2], sys.argv[2::2])]
    runtime = SentryRuntime(uplink=None, sources=[ConfigMiners(miners)], interval_s=2)
    try:
        return await runtime.build_report()
    finally:
        runtime.hardware.close()

body = asyncio.run(report())
report = Report.model_validate({"seq": 1, **body})
assert len(report.miners) == 2 and all(m.hashrate_hs for m in report.miners), body
loaded = [name for name, module in sys.modules.items() if module is not None]
print(json.dumps({"rss_mb": rss_mb(), "modules": sorted({n.split(".")[0] for n in loaded}),
                  "importlib.metadata": "importlib.metadata" in loaded,
                  "minerfarm": sorted(n for n in loaded if n.startswith("minerfarm")),
                  "shutil": "shutil" in loaded}))
"""


def run_python(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads VmRSS from /proc")
def test_a_sentry_round_loads_no_playbook_parts_and_stays_near_a_bare_http_client() -> None:
    with simulated_miners() as miners:
        floor = run_python(FLOOR, *(m["api_url"] + "/" for m in miners))
        probe = run_python(PROBE, *(part for m in miners for part in (m["software"],
                                                                      m["api_url"])))
    loaded = set(probe["modules"])  # type: ignore[arg-type]
    assert "h11" in loaded  # the probe did read over HTTP
    if probe["importlib.metadata"]:
        loaded.add("importlib.metadata")
    assert sorted(loaded & {*LATER, *NEVER}) == []
    ours = {*probe["minerfarm"], *(["shutil"] if probe["shutil"] else [])}  # type: ignore[misc]
    assert "minerfarm.sentry.miners.trex" in ours  # the probe did read the miners
    assert sorted(ours & set(UNNEEDED)) == []
    over = float(probe["rss_mb"]) - float(floor["rss_mb"])  # type: ignore[arg-type]
    print(f"sentry {probe['rss_mb']:.1f} MB, floor {floor['rss_mb']:.1f} MB")
    assert over < SENTRY_OVER_FLOOR_MB, (probe["rss_mb"], floor["rss_mb"])


def test_the_playbook_runner_still_finds_yaml_when_it_runs(tmp_path: Path) -> None:
    """The lazy import path works: extravars are written as YAML, Jinja text as !unsafe."""
    _write_extravars(tmp_path, {"wallet": "{{ lookup('pipe', 'id') }}", "port": 4067})
    written = (tmp_path / "env" / "extravars").read_text()
    assert "!unsafe" in written and "port: 4067" in written
