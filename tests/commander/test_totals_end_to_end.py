"""Farm totals through a real commander: coin-less ethash and kawpow miners and an S19 that
reports no algorithm land in separate buckets on ``/api/v1/stats`` and on the index page."""

from __future__ import annotations

import re

from tests.support import CommanderProcess, browser_login, report, wait_for

S19 = {"ip": "10.0.0.19", "make": "Antminer", "model": "S19", "online": True,
       "hashrate_hs": 95e12, "power_w": 3250}


def post(commander: CommanderProcess, token: str, one: dict[str, object]) -> None:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [one]})
        assert answer.status_code == 202, answer.text


def test_mixed_algorithms_and_an_s19_total_separately(commander: CommanderProcess) -> None:
    _, gpu_token = commander.create_rig("mixed-gpus")
    _, asic_token = commander.create_rig("asic-lan", kind="asic")
    post(commander, gpu_token, report(1, miners=[
        {"software": "trex", "algorithm": "ethash", "hashrate_hs": 60e6},
        {"software": "gminer", "algorithm": "KAWPOW", "hashrate_hs": 30e6},
        {"software": "lolminer", "algorithm": "Ethash", "hashrate_hs": 40e6},
    ]))
    post(commander, asic_token, report(1, asics=[S19]))

    with commander.admin() as api:
        stats = wait_for(lambda: (s := api.get("/api/v1/stats").json())["asics_online"] == 1
                         and s["rigs_online"] == 2 and s, 10, "both rigs in the totals")
    assert stats["hashrate_hs_by_algorithm"] == {"Ethash": 100e6, "KawPoW": 30e6,
                                                 "SHA-256": 95e12}
    assert stats["hashrate_hs_by_coin"] == {"Ethash (coin not reported)": 100e6,
                                            "KawPoW (coin not reported)": 30e6,
                                            "SHA-256 (coin not reported)": 95e12}

    with commander.client() as browser:
        assert browser_login(browser).status_code == 302
        page = browser.get("/").text
        asics = browser.get("/asics").text
    totals = re.search(r'<section class="totals" id="totals">.*?</section>', page, re.S)
    assert totals, page
    chips = dict(re.findall(r'<span class="label">([^<]+)</span>\s*(?:<strong>)?([^<]+)',
                            totals.group(0)))
    assert chips["SHA-256"] == "95.00 TH/s", chips
    assert chips["Ethash"] == "100.00 MH/s" and chips["KawPoW"] == "30.00 MH/s", chips
    assert "unknown" not in totals.group(0)

    # the ASIC sentry's header line names the algorithm of its hashrate
    header = re.search(r'<tr class="sentry[^"]*">.*?</tr>', asics, re.S)
    assert header and re.search(r"95.00 TH/s <small[^>]*>SHA-256</small>", header.group(0)), asics
