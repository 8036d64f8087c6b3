"""Alerts end to end: a real commander, rigs reporting over the real sentry API, and local
receivers (a JSON webhook through apprise's ``json://``, a real SMTP server through
``mailto://``). Durations are set to seconds so each case takes a few."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.commander.alert_helpers import (
    Mailbox,
    ReportingRig,
    Webhook,
    smtp_server,
    webhook,
)
from tests.support import CommanderProcess, browser_login, report, wait_for

pytestmark = pytest.mark.slow
OFFLINE_AFTER_S = 3


@pytest.fixture(scope="module")
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    process = CommanderProcess(tmp_path_factory.mktemp("alerts") / "data", env={
        "MINERFARM_OFFLINE_AFTER_S": str(OFFLINE_AFTER_S), "MINERFARM_ALERT_TICK_S": "0.3",
        "MINERFARM_ALERT_GROUP_WINDOW_S": "0.5", "MINERFARM_ROLLUP_INTERVAL_S": "1",
        "MINERFARM_FARM_NAME": "test farm"}).start()
    yield process
    process.stop()


def _post(farm: CommanderProcess, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with farm.admin() as client:
        answer = client.post(path, json=body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def _channel(farm: CommanderProcess, name: str, url: str) -> int:
    return int(_post(farm, "/api/v1/channels", {"name": name, "url": url})["channel"]["id"])


def _rule(farm: CommanderProcess, **fields: Any) -> int:
    return int(_post(farm, "/api/v1/alert-rules", fields)["rule"]["id"])


def _gpu_rig(temp: float = 60, hashrate: float = 1e8, running: bool = True) -> dict[str, Any]:
    return {"gpus": [{"index": 0, "temp_c": temp, "fan_pct": 60}],
            "miners": [{"software": "xmrig", "hashrate_hs": hashrate, "running": running,
                        "shares": {"accepted": 10, "rejected": 0}}]}


def _seen(texts: list[str], *words: str) -> str | None:
    return next((t for t in texts if all(w in t for w in words)), None)


def test_temperature_and_offline_reach_webhook_and_mail(farm: CommanderProcess, hook: Webhook,
                                                        mailbox: Mailbox) -> None:
    channels = [_channel(farm, "hook", hook.url("main")), _channel(farm, "mail", mailbox.url())]
    rig_id, token = farm.create_rig("rig-hot")
    hot = _rule(farm, name="GPU hot", kind="temperature_above", threshold=80, for_s=1,
                rig_ids=[rig_id], channel_ids=channels)
    _rule(farm, name="Rig down", kind="offline", for_s=0, rig_ids=[rig_id],
          channel_ids=channels)
    with ReportingRig(farm, token, **_gpu_rig(temp=91)) as rig:
        firing = wait_for(lambda: _seen(hook.texts("main"), "FIRING", "GPU hot", "rig-hot"),
                          10, "the temperature alert at the webhook")
        assert "91" in firing and "test farm" in firing
        wait_for(lambda: _seen(mailbox.texts(), "FIRING", "GPU hot", "rig-hot"), 10,
                 "the temperature alert by mail")
        with farm.admin() as client:
            alerts = client.get("/api/v1/alerts", params={"state": "firing"}).json()["alerts"]
        assert [a["rule_id"] for a in alerts if a["rig_id"] == rig_id] == [hot]
        with farm.client() as browser:
            browser_login(browser)
            rig_page = browser.get(f"/rigs/{rig_id}").text
            assert "Alerts</a> firing (1)" in rig_page and "GPU hot on rig-hot" in rig_page
            assert "GPU hot on rig-hot" in browser.get("/alerts").text
        rig.fields = _gpu_rig(temp=60)
        wait_for(lambda: _seen(hook.texts("main"), "RESOLVED", "GPU hot", "rig-hot"), 10,
                 "the temperature alert resolved at the webhook")
        wait_for(lambda: _seen(mailbox.texts(), "RESOLVED", "GPU hot", "rig-hot"), 10,
                 "the temperature alert resolved by mail")
    # The rig stops reporting: offline after OFFLINE_AFTER_S, then back when it reports.
    offline = wait_for(lambda: _seen(hook.texts("main"), "FIRING", "Rig down", "rig-hot"),
                       OFFLINE_AFTER_S + 8, "the offline alert")
    assert "offline" in offline
    with ReportingRig(farm, token, **_gpu_rig()):
        wait_for(lambda: _seen(hook.texts("main"), "RESOLVED", "Rig down", "rig-hot"), 10,
                 "the offline alert resolved")
    with farm.admin() as client:
        resolved = client.get("/api/v1/alerts", params={"state": "resolved"}).json()["alerts"]
    assert {a["rule_id"] for a in resolved if a["rig_id"] == rig_id} >= {hot}


def test_hashrate_drop_and_miner_stopped(farm: CommanderProcess, hook: Webhook) -> None:
    channel = _channel(farm, "hashrate hook", hook.url("hashrate"))
    rig_id, token = farm.create_rig("rig-slow")
    _rule(farm, name="Hashrate drop", kind="hashrate_below", threshold=0.5, for_s=0,
          rig_ids=[rig_id], channel_ids=[channel])
    _rule(farm, name="Miner stopped", kind="miner_not_running", for_s=0, rig_ids=[rig_id],
          channel_ids=[channel])
    with ReportingRig(farm, token, **_gpu_rig(hashrate=1e8)) as rig:
        with farm.admin() as client:  # the baseline comes from the per-minute rollups
            wait_for(lambda: client.get(f"/api/v1/rigs/{rig_id}/reports").json()
                     .get("reports"), 5, "stored reports")
        time.sleep(3)  # rolled up (every 1 s) and the baseline read (every 1 s)
        rig.fields = _gpu_rig(hashrate=1e7)
        drop = wait_for(lambda: _seen(hook.texts("hashrate"), "FIRING", "Hashrate drop",
                                      "rig-slow"), 10, "the hashrate drop")
        assert "threshold 50%" in drop
        rig.fields = _gpu_rig(hashrate=1e8, running=False)
        wait_for(lambda: _seen(hook.texts("hashrate"), "RESOLVED", "Hashrate drop"), 10,
                 "the hashrate drop resolved")
        wait_for(lambda: _seen(hook.texts("hashrate"), "FIRING", "Miner stopped", "rig-slow"),
                 10, "the miner-not-running alert")
        rig.fields = _gpu_rig(hashrate=1e8)
        wait_for(lambda: _seen(hook.texts("hashrate"), "RESOLVED", "Miner stopped"), 10,
                 "the miner-not-running alert resolved")


def test_a_silenced_rig_does_not_notify(farm: CommanderProcess, hook: Webhook) -> None:
    channel = _channel(farm, "silence hook", hook.url("silence"))
    quiet_id, quiet_token = farm.create_rig("rig-maintenance")
    loud_id, loud_token = farm.create_rig("rig-loud")
    rule = _rule(farm, name="Hot again", kind="temperature_above", threshold=80, for_s=0,
                 rig_ids=[quiet_id, loud_id], channel_ids=[channel])
    _post(farm, "/api/v1/silences", {"rig_id": quiet_id, "for_s": 600, "reason": "repaste"})
    with ReportingRig(farm, quiet_token, **_gpu_rig(temp=95)), \
            ReportingRig(farm, loud_token, **_gpu_rig(temp=95)):
        wait_for(lambda: _seen(hook.texts("silence"), "FIRING", "rig-loud"), 10,
                 "the unsilenced rig's alert")
        with farm.admin() as client:
            stored = wait_for(lambda: [a for a in client.get("/api/v1/alerts").json()["alerts"]
                                       if a["rig_id"] == quiet_id and a["rule_id"] == rule], 5,
                              "the silenced rig's alert, stored")
        assert stored[0]["silenced"] is True
    assert not _seen(hook.texts("silence"), "rig-maintenance")


def _asic(number: int, online: bool) -> dict[str, Any]:
    return {"ip": f"10.9.{number // 250}.{number % 250 + 1}",
            "mac": f"02:00:00:00:{number // 256:02x}:{number % 256:02x}",
            "make": "Antminer", "model": "S19", "hashrate_hs": 1e14 if online else None,
            "online": online}


def test_a_storm_of_offline_asics_is_one_message(farm: CommanderProcess, hook: Webhook) -> None:
    channel = _channel(farm, "storm hook", hook.url("storm"))
    sentry_id, token = farm.create_rig("lan-7", kind="asic")
    _rule(farm, name="ASIC down", kind="offline", for_s=0, rig_ids=[sentry_id],
          channel_ids=[channel])
    with farm.sentry(token) as client:
        up = client.post("/api/v1/sentry/reports", json={"reports": [
            report(1, asics=[_asic(n, True) for n in range(200)])]})
        assert up.status_code == 202
        with farm.admin() as admin:
            wait_for(lambda: admin.get(f"/api/v1/rigs/{sentry_id}").json()
                     .get("asics"), 5, "the ASICs stored")
        time.sleep(1)  # a few ticks see them online
        down = client.post("/api/v1/sentry/reports", json={"reports": [
            report(2, asics=[_asic(n, False) for n in range(200)])]})
        assert down.status_code == 202
    def about_asics() -> list[str]:  # (the sentry itself goes offline later: its own alert)
        return [t for t in hook.texts("storm") if " ASIC 10.9." in t]

    message = wait_for(about_asics, 10, "the storm's message")
    time.sleep(2)  # anything that would come after the first message
    assert len(about_asics()) == 1, about_asics()
    assert "200 alerts" in message[0] and "lan-7 ASIC 10.9.0.1 S19" in message[0]


def test_bad_rules_and_channels_are_refused_in_words(farm: CommanderProcess) -> None:
    with farm.admin() as client:
        answer = client.post("/api/v1/alert-rules", json={"name": "x", "kind": "temperature_above"})
        assert answer.status_code == 422 and "threshold" in answer.json()["error"]["message"]
        answer = client.post("/api/v1/alert-rules", json={"name": "x", "kind": "nope"})
        assert answer.status_code == 422 and "kind" in answer.json()["error"]["message"]
        answer = client.post("/api/v1/alert-rules", json={"name": "x", "kind": "offline",
                                                          "channel_ids": [9999]})
        assert answer.status_code == 422 and "9999" in answer.json()["error"]["message"]
        answer = client.post("/api/v1/channels", json={"name": "x", "url": "nonsense://x"})
        assert answer.status_code == 422
        secret = client.post("/api/v1/channels", json={
            "name": "telegram", "url": "tgram://123456789:AAHsecretTOKENabcdefghijkl/12345"})
        assert secret.status_code == 201
        assert "AAHsecret" not in secret.text
        assert "AAHsecret" not in client.get("/api/v1/channels").text
        dead = client.post("/api/v1/channels", json={"name": "dead",
                                                     "url": "json://127.0.0.1:9/nobody"})
        tested = client.post(f"/api/v1/channels/{dead.json()['channel']['id']}/test")
        assert tested.status_code == 502 and tested.json()["error"]["code"] == "channel_failed"


def test_the_alerts_page_shows_and_takes_forms(farm: CommanderProcess, tmp_path: Path) -> None:
    from tests.support import csrf_from

    with farm.client() as browser:
        browser_login(browser)
        page = browser.get("/alerts")
        assert page.status_code == 200 and "Rules" in page.text
        saved = browser.post("/alerts/rules", data={
            "csrf_token": csrf_from(page.text), "name": "From the form", "kind": "fan_below",
            "threshold": "30", "for_s": "60"})
        assert saved.status_code == 302
        assert "From the form" in browser.get("/alerts").text
        refused = browser.post("/alerts/rules", data={
            "csrf_token": csrf_from(page.text), "name": "No threshold",
            "kind": "temperature_above", "for_s": "60"})
        assert refused.status_code == 422 and "needs one" in refused.text
        assert "No threshold" in refused.text  # what was typed is kept
        forged = browser.post("/alerts/rules", data={"name": "x", "kind": "offline"})
        assert forged.status_code == 403
