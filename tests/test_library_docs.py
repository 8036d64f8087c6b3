"""The examples of ``docs/library.md`` run, as written, against simulators replaying real
captures and a real commander; what each prints is what a developer would see.

Each example is a whole script that defines ``async def main(...)`` (or ``def main()``) and
runs it only as ``__main__``; here it is executed as a module and its ``main`` called with
the simulators' addresses instead of the placeholders.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
import re
from pathlib import Path
from typing import Any

import pytest

from minerfarm.asic.simulator import SimulatedAsic, Simulator
from minerfarm.sentry.simulator import simulate
from tests.sentry.sentry_captures import capture
from tests.support import PASSWORD, CommanderProcess

DOC = Path(__file__).resolve().parents[1] / "docs" / "library.md"
BLOCK = re.compile(r"^## (?P<title>.+?)$.*?^```python\n(?P<code>.*?)^```$", re.M | re.S)


def examples() -> dict[str, str]:
    return {m["title"]: m["code"] for m in BLOCK.finditer(DOC.read_text())}


def load(title: str) -> Any:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(examples()[title], f"{DOC}:{title}", "exec"), namespace)
    return namespace["main"]


async def printed(call: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call()
        if asyncio.iscoroutine(result):
            await result
    return out.getvalue()


def loopback_net() -> str:
    return f"127.{random.randint(100, 250)}.{random.randint(1, 250)}"


def test_every_section_with_code_is_covered() -> None:
    assert set(examples()) == {
        "Read a GPU miner's API", "Probe one ASIC", "Scan a subnet for ASICs",
        "Check a report before sending it", "Embed the commander", "Script a running commander",
    }


async def test_read_a_gpu_miner() -> None:
    main = load("Read a GPU miner's API")
    async with simulate("trex", capture("trex/summary_0.25.9_api4.1.json")) as miner:
        text = await printed(lambda: main(miner.url))
    # T-Rex 0.25.9 capture: one GPU at 50.29 MH/s on ethash
    assert text.splitlines() == ["trex 0.25.9 ethash 50287688.0 H/s",
                                 "  GPU 0: 50287688.0 H/s"]
    unreachable = await printed(lambda: main("http://127.0.0.1:9"))
    assert unreachable.startswith("could not read http://127.0.0.1:9:")


async def test_probe_one_asic() -> None:
    main = load("Probe one ASIC")
    host = f"{loopback_net()}.10"
    async with Simulator([SimulatedAsic(host, "antminer-s9", port=4028)]):
        text = await printed(lambda: main(host, 4028))
    # the bmminer S9 capture (2017): three chains, 13.58 TH/s in all
    assert text.splitlines() == [
        f"{host} Antminer S9 Fri Nov 17 17:57:49 CST 2017 13581930000000.0 H/s",
        "  board 0: 4536240000000.0 H/s, chips 71.0 °C",
        "  board 1: 4545530000000.0 H/s, chips 67.0 °C",
        "  board 2: 4548770000000.0 H/s, chips 71.0 °C",
    ]
    nobody = f"{loopback_net()}.11"
    gone = await printed(lambda: main(nobody, 4028))
    assert gone.startswith(f"{nobody}: {nobody}:4028: Connect call failed"), gone


async def test_scan_a_subnet() -> None:
    main = load("Scan a subnet for ASICs")
    net = loopback_net()
    asics = [SimulatedAsic(f"{net}.20", "braiins-s9"), SimulatedAsic(f"{net}.21", "avalon-1566")]
    async with Simulator(asics):
        text = await printed(lambda: main(f"{net}.16/28", 4028))
    lines = text.splitlines()
    assert [line.split()[:2] for line in lines] == [[f"{net}.20", "braiins"],
                                                    [f"{net}.21", "avalon"]]


async def test_check_a_report() -> None:
    text = await printed(load("Check a report before sending it"))
    assert text.splitlines() == ["1234.5", "2 errors"]


async def test_embed_the_commander(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINERFARM_PASSWORD", PASSWORD)
    main = load("Embed the commander")
    text = await printed(lambda: main(tmp_path / "data", PASSWORD))
    assert text.splitlines() == ["201 rig-01"]


async def test_script_a_running_commander(commander: CommanderProcess) -> None:
    main = load("Script a running commander")
    text = await printed(lambda: main(commander.url, PASSWORD, str(commander.cert)))
    lines = text.splitlines()
    assert lines[0].startswith(f"enroll with: minerfarm sentry enroll --commander "
                               f"{commander.url} --token mf1.")
    assert lines[1] == "409 name_taken"
    assert lines[-1].startswith("{") and "hashrate_hs_by_coin" in lines[-1]
