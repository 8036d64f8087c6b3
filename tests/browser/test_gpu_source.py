"""The rig page in a real browser: GPU figures a miner gave say which miner, live, and the
page fits a phone (390x844) without horizontal scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import logged_in, open_live
from tests.support import CommanderProcess, report, utc_ts

pytestmark = pytest.mark.slow
LIVE = 2000  # ms


def post(commander: CommanderProcess, token: str, seq: int) -> None:
    gpu = {"index": 0, "vendor": "nvidia", "name": "RTX 3070", "temp_c": 74, "fan_pct": 68,
           "power_w": 195, "core_mhz": 1935,
           "source": {"temp_c": "nvml", "fan_pct": "trex", "power_w": "trex"}}
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(
            seq, ts=utc_ts(), gpus=[gpu],
            miners=[{"software": "trex", "algorithm": "ethash", "hashrate_hs": 50287688}])]})
        assert answer.status_code == 202, answer.text


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_gpu_figures_from_a_miner_name_it_live(chromium: Browser, commander: CommanderProcess,
                                               size: tuple[int, int]) -> None:
    rig_id, token = commander.create_rig(f"gpu-source-{size[0]}")
    page = logged_in(chromium, commander)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_live(page, f"{commander.url}/rigs/{rig_id}")
    post(commander, token, 1)
    row = page.locator("#rig-body section", has_text="GPUs").locator("tbody tr").first
    expect(row).to_contain_text("RTX 3070", timeout=LIVE)
    cells = row.locator("td")
    expect(cells.nth(2)).to_have_text("74 °C")  # NVML's own: no note
    expect(cells.nth(3)).to_have_text("68 %from T-Rex")
    expect(cells.nth(4)).to_have_text("195 Wfrom T-Rex")
    expect(cells.nth(4).locator("small.source")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
