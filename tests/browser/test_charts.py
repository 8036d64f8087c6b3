"""The rig chart in a real browser: one hashrate chart per algorithm, axes with values and
units, on a desktop and a phone viewport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import logged_in
from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    """A commander whose rollup job runs every second (the charts read rollups)."""
    data = tmp_path_factory.mktemp("charts") / "data"
    process = CommanderProcess(Path(data), env={"MINERFARM_ROLLUP_INTERVAL_S": "1"}).start()
    yield process
    process.stop()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 390, "height": 844}])
def test_a_mixed_rig_has_a_labelled_chart_per_algorithm(
        chromium: Browser, quick: CommanderProcess, viewport: dict[str, int]) -> None:
    rig_id, token = quick.create_rig(f"mixed-{viewport['width']}")
    with quick.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(1, miners=[
            {"software": "trex", "algorithm": "ethash", "hashrate_hs": 60e6},
            {"software": "gminer", "algorithm": "KAWPOW", "hashrate_hs": 30e6}])]})
        assert answer.status_code == 202, answer.text
    page = logged_in(chromium, quick)
    page.set_viewport_size(viewport)
    ethash = page.locator("figure[data-algorithm=Ethash]")
    for _ in range(20):  # the rollup job runs every second; the page reads it when loaded
        page.goto(f"{quick.url}/rigs/{rig_id}")
        try:
            expect(ethash).to_be_visible(timeout=1000)
            break
        except AssertionError:
            continue
    expect(ethash.locator("figcaption")).to_have_text("Hashrate · Ethash")
    expect(ethash.locator(".y-axis span")).to_have_count(3)
    expect(ethash.locator(".y-axis span").first).to_contain_text("MH/s")
    kawpow = page.locator("figure[data-algorithm=KawPoW]")
    expect(kawpow.locator(".y-axis")).to_contain_text("MH/s")
    expect(kawpow.locator("svg.chart path.line")).to_be_attached()
    # no summed (mixed) hashrate chart
    expect(page.locator("figure[data-field=hashrate_hs]:not([data-algorithm])")).to_be_hidden()
    temp_axis = page.locator("figure[data-field=temp_c] .y-axis")
    expect(temp_axis).to_have_text("", timeout=1000)  # no temperature reported: no scale
    expect(ethash.locator(".axis")).to_contain_text("1 h ago")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal overflow at {viewport}"
