"""Screenshots of the dashboard with simulated farm data (docs/dashboard-*.png).

Starts a commander in a temporary folder, creates rigs and ASIC sentries, posts a day of
simulated reports through the sentry API (so charts have rollups), then photographs the pages
in Debian's Chromium. Usage: python docs/make_screenshots.py
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.pages import logged_in
from tests.support import CommanderProcess

DOCS = Path(__file__).resolve().parent
RNG = random.Random(7)
GPUS = {"nvidia": ["RTX 3080", "RTX 3070", "RTX 4090"], "amd": ["RX 6800 XT", "RX 6700 XT"]}
MINERS = [("lolMiner", "1.88", "ETC", "etchash", 62e6), ("T-Rex", "0.26.8", "RVN", "kawpow", 24e6),
          ("GMiner", "3.44", "ERG", "autolykos2", 180e6)]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def gpu_rig(n: int, moment: datetime, wave: float) -> dict[str, Any]:
    vendor = "nvidia" if n % 3 else "amd"
    count = 4 + n % 5
    software, version, coin, algorithm, per_gpu = MINERS[n % len(MINERS)]
    gpus = [{"index": i, "vendor": vendor, "name": GPUS[vendor][(n + i) % len(GPUS[vendor])],
             "temp_c": round(58 + 8 * wave + RNG.uniform(-3, 6), 1),
             "fan_pct": round(60 + 15 * wave), "power_w": round(RNG.uniform(180, 240), 1),
             "core_mhz": 1500, "mem_mhz": 9500, "util_pct": 100, "mem_used_mb": 4100}
            for i in range(count)]
    return {
        "ts": iso(moment),
        "host": {"hostname": f"rig-{n:02d}", "os": "Linux 6.1", "uptime_s": 86400 * (n + 1),
                 "cpu": {"model": "AMD Ryzen 9 5950X", "cores": 16, "usage_pct": 97.5,
                         "temp_c": 71.0}, "memory": {"total_mb": 32000, "used_mb": 9000}},
        "gpus": gpus,
        "miners": [
            {"software": software, "version": version, "algorithm": algorithm, "coin": coin,
             "pool": f"stratum+tcp://{coin.lower()}.pool.example:3333",
             "hashrate_hs": per_gpu * count * (0.97 + 0.03 * wave + RNG.uniform(-0.01, 0.01)),
             "shares": {"accepted": 1200 + n * 37, "rejected": n % 3, "stale": 0},
             "uptime_s": 36000, "running": True},
            {"software": "xmrig", "version": "6.22.1", "algorithm": "rx/0", "coin": "XMR",
             "pool": "pool.supportxmr.example:3333", "hashrate_hs": 14500 + RNG.uniform(-300, 300),
             "shares": {"accepted": 310, "rejected": 0, "stale": 0}, "uptime_s": 36000,
             "running": True}],
    }


def asic(n: int, wave: float, online: bool = True) -> dict[str, Any]:
    models = [("Antminer", "S21", 200e12, 3500), ("Antminer", "S19j Pro", 104e12, 3068),
              ("Whatsminer", "M50S", 126e12, 3276), ("Avalon", "A1366", 130e12, 3250)]
    make, model, expected, power = models[n % len(models)]
    entry: dict[str, Any] = {"ip": f"10.0.1.{20 + n}", "mac": f"aa:bb:cc:00:01:{n:02x}",
                             "make": make, "model": model, "firmware_version": "2024-03-12",
                             "online": online}
    if online:
        entry.update({
            "hashrate_hs": expected * (0.95 + 0.05 * wave), "expected_hashrate_hs": expected,
            "boards": [{"index": b, "hashrate_hs": expected / 3, "temp_c": 58 + b + 4 * wave,
                        "chip_temp_c": 72 + b + 5 * wave} for b in range(3)],
            "fans_rpm": [3600 + 60 * n, 3660 + 60 * n, 3540, 3600], "power_w": power,
            "pool": "stratum+tcp://btc.pool.example:3333",
            "shares": {"accepted": 11187 + n, "rejected": 9}, "uptime_s": 59129})
    return entry


def post(commander: CommanderProcess, token: str, reports: list[dict[str, Any]]) -> None:
    with commander.sentry(token) as sentry:
        for start in range(0, len(reports), 100):
            chunk = reports[start:start + 100]
            sentry.post("/api/v1/sentry/reports", json={"reports": chunk}).raise_for_status()


def history(make: Any, now: datetime) -> list[dict[str, Any]]:
    """A day every 5 minutes, the last hour every 30 s; seq in time order."""
    moments = [now - timedelta(minutes=5 * k) for k in range(288, 12, -1)]
    moments += [now - timedelta(seconds=30 * k) for k in range(120, -1, -1)]
    return [{"seq": seq, **make(m, math.sin(m.timestamp() / 5400))}
            for seq, m in enumerate(moments, 1)]


def populate(commander: CommanderProcess) -> tuple[int, int, str]:
    now = datetime.now(UTC)
    names = ["alpha-01", "alpha-02", "bravo-03", "bravo-04", "charlie-05", "delta-06"]
    first = 0
    for n, name in enumerate(names):
        rig_id, token = commander.create_rig(name)
        first = first or rig_id
        post(commander, token, history(lambda m, w, n=n: gpu_rig(n, m, w), now))
    commander.create_rig("spare-07 (not enrolled)")
    sentry_id = 0
    for s in range(2):
        rig_id, token = commander.create_rig(f"asic-shed-{s + 1}", "asic")
        sentry_id = sentry_id or rig_id
        post(commander, token, history(
            lambda m, w, s=s: {"ts": iso(m), "asics": [asic(s * 6 + k, w, online=(s, k) != (1, 5))
                                                       for k in range(6)]}, now))
    return first, sentry_id, "aa:bb:cc:00:01:00"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commander = CommanderProcess(Path(tmp) / "data", env={
            "MINERFARM_ROLLUP_INTERVAL_S": "1", "MINERFARM_ADVERTISE": "0"}).start()
        try:
            rig_id, sentry_id, mac = populate(commander)
            time.sleep(4)  # the consumer and the rollup job catch up
            shoot(commander, rig_id, sentry_id, mac)
        finally:
            commander.stop()


def shoot(commander: CommanderProcess, rig_id: int, sentry_id: int, mac: str) -> None:
    pages = {"index": "/", "rig": f"/rigs/{rig_id}", "asics": "/asics",
             "asic": f"/asics/{sentry_id}/{mac}"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = logged_in(browser, commander)
        for name, path in pages.items():
            page.goto(commander.url + path)
            if name in ("rig", "asic"):
                page.click("button[data-range='24h']")
            page.wait_for_timeout(800)
            page.screenshot(path=str(DOCS / f"dashboard-{name}.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(commander.url + "/")
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "dashboard-phone.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
