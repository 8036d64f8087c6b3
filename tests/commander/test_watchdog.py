"""The watchdog end to end: an alert rule with an action asks the rig's sentry to restart its
miner each time the miner stops; past the hourly limit the commander gives up on the rig and
says so once, on the rule's channels. A real commander, the sentry API over HTTPS, a JSON
webhook through apprise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.commander.alert_helpers import ReportingRig, Webhook, webhook
from tests.support import CommanderProcess, browser_login, wait_for

pytestmark = pytest.mark.slow
RUNNING = {"miners": [{"software": "xmrig", "hashrate_hs": 1e4, "running": True}]}
STOPPED = {"miners": [{"software": "xmrig", "hashrate_hs": None, "running": False}]}


@pytest.fixture
def farm(tmp_path: Any) -> Iterator[CommanderProcess]:
    process = CommanderProcess(tmp_path / "data", env={
        "MINERFARM_ALERT_TICK_S": "0.3", "MINERFARM_ALERT_GROUP_WINDOW_S": "0.5",
        "MINERFARM_ACTION_LIMIT_PER_HOUR": "2", "MINERFARM_ACTION_BACKOFF_S": "0"}).start()
    yield process
    process.stop()


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


def test_a_rule_restarts_the_miner_until_the_limit_then_gives_up_once(
        farm: CommanderProcess, hook: Webhook) -> None:
    rig_id, token = farm.create_rig("flaky-rig")
    with farm.sentry(token) as sentry:  # the sentry says which actions it runs
        assert sentry.get("/api/v1/sentry/playbooks", params={
            "wait": 0, "actions": "restart_miner,reapply_playbooks"}).status_code == 200
    with farm.admin() as admin:
        channel = admin.post("/api/v1/channels", json={"name": "ops", "url": hook.url("ops")})
        rule = admin.post("/api/v1/alert-rules", json={
            "name": "Miner down", "kind": "miner_not_running", "for_s": 0, "rig_ids": [rig_id],
            "channel_ids": [channel.json()["channel"]["id"]], "action": "restart_miner"})
        assert rule.status_code == 201, rule.text
        rule_id = rule.json()["rule"]["id"]

        def by_rule() -> list[dict[str, Any]]:
            history = admin.get(f"/api/v1/rigs/{rig_id}/actions").json()["actions"]
            return [a for a in history if a["requested_by"] == f"rule:{rule_id}"]

        with ReportingRig(farm, token, **RUNNING) as rig:
            for stops in (1, 2, 3):
                rig.fields = STOPPED
                wait_for(lambda n=stops: len(by_rule()) >= n, 20, f"the action of stop {stops}")
                if stops == 1:  # the firing alert is one of the rig's problems
                    with farm.client() as browser:
                        browser_login(browser)
                        wait_for(lambda: "alert: Miner down" in browser.get(
                            f"/rigs/{rig_id}").text, 10, "the alert on the rig's page")
                        # the row names the first problem (the miner) and counts the alert
                        assert "(+1)" in browser.get("/").text
                rig.fields = RUNNING
                wait_for(lambda n=stops: len(admin.get("/api/v1/alerts", params={
                    "state": "resolved"}).json()["alerts"]) >= n, 20, "the alert to resolve")
        kinds = [(a["kind"], a["status"]) for a in reversed(by_rule())]
        # each firing and resolution is in the rig's event log too
        logged = wait_for(lambda: [e["message"] for e in admin.get(
            f"/api/v1/rigs/{rig_id}/events", params={"kind": "alert"}).json()["events"]
            if "resolved" in e["message"]] or None, 10, "the alerts in the event log")
        assert any("Miner down" in m for m in logged), logged
    assert kinds == [("restart_miner", "pending"), ("restart_miner", "pending"),
                     ("restart_miner", "gave_up")]
    gave_up = wait_for(lambda: [t for t in hook.texts("ops") if "GAVE UP" in t], 20,
                       "the gave-up notification")
    assert len(gave_up) == 1 and "flaky-rig" in gave_up[0] and "restart_miner" in gave_up[0]
