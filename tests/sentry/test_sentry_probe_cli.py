"""``minerfarm sentry probe`` as a user runs it: a real process against a simulated miner."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest
from sentry_captures import CASES, REPO
from sentry_helpers import approx_tree, closed_port

from minerfarm.sentry.simulator import simulate


async def probe(*args: str) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(REPO), os.environ.get("PYTHONPATH")]))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "minerfarm", "sentry", "probe", *args, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("case_id", ["teamredminer-0.3.8", "lolminer-1.92"])
async def test_probe_prints_the_normalised_entry(case_id: str) -> None:
    case = next(case for case in CASES if case.id == case_id)
    async with simulate(case.software, case.reply_paths()) as miner:
        code, out, err = await probe("--software", case.software, "--api", miner.url)
    assert code == 0, err
    assert json.loads(out) == approx_tree(case.expected)


async def test_probe_unreachable_miner_fails_with_advice() -> None:
    code, out, err = await probe("--software", "trex", "--api",
                                 f"http://127.0.0.1:{closed_port()}", "--timeout", "2")
    assert code == 1 and out == ""
    assert "cannot connect" in err and "API enabled" in err


async def test_probe_unknown_software_lists_the_known_ones() -> None:
    code, out, err = await probe("--software", "claymore", "--api", "http://127.0.0.1:3333")
    assert code == 1 and out == ""
    assert "unknown miner software 'claymore'" in err and "xmrig" in err
