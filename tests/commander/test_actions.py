"""Remote actions through the commander, in-process: refused where they cannot run (ASICs, a
sentry that never said it takes them, reboots it does not allow), delivered by the sentry's
long-poll (at once, or waking it), acknowledged into the audit log; loop protection (backoff,
N per hour, gave up recorded and notified once), expiry, the bulk API; old sentries unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient

from minerfarm.commander.actions.service import ActionService, GaveUp
from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings

ADMIN = ("admin", "pw")
TAKES = "restart_miner,reapply_playbooks"


@dataclass
class Farm:
    client: QuartClient
    service: ActionService
    now: list[datetime]

    def tick(self, seconds: float) -> None:
        self.now[0] += timedelta(seconds=seconds)

    async def rig(self, name: str, kind: str = "cpu_gpu") -> tuple[int, dict[str, str]]:
        created = await self.client.post("/api/v1/rigs", json={"name": name, "kind": kind},
                                         auth=ADMIN)
        body = await created.get_json()
        return body["rig"]["id"], {"Authorization": f"Bearer {body['token']}"}

    async def poll(self, sentry: dict[str, str], takes: str | None = TAKES,
                   revision: str | None = "0", wait: float = 0) -> Any:
        args = {"wait": str(wait)} if wait else {}
        if takes is not None:
            args["actions"] = takes
        headers = {**sentry, **({"If-None-Match": f'"{revision}"'} if revision else {})}
        return await self.client.get("/api/v1/sentry/playbooks", query_string=args,
                                     headers=headers)

    async def ask(self, rig_id: int, kind: str, **body: Any) -> Any:
        return await self.client.post(f"/api/v1/rigs/{rig_id}/actions",
                                      json={"kind": kind, **body}, auth=ADMIN)

    async def history(self, rig_id: int) -> list[dict[str, Any]]:
        answer = await self.client.get(f"/api/v1/rigs/{rig_id}/actions", auth=ADMIN)
        return list((await answer.get_json())["actions"])


@pytest.fixture
async def farm(tmp_path: Path) -> AsyncIterator[Farm]:
    settings = Settings(data_dir=tmp_path, advertise=False, action_limit_per_hour=3,
                        action_backoff_s=60, action_expiry_s=600)
    app = create_app(settings, AdminPassword(hash_password("pw")), b"0" * 32)
    service: ActionService = app.extensions["minerfarm"].actions
    now = [datetime.now(UTC)]
    service.clock = lambda: now[0]
    async with app.test_app() as test_app:
        yield Farm(test_app.test_client(), service, now)


async def test_delivered_by_the_long_poll_and_acknowledged(farm: Farm) -> None:
    rig_id, sentry = await farm.rig("acts")
    early = await farm.ask(rig_id, "restart_miner")
    assert early.status_code == 409
    assert (await early.get_json())["error"]["code"] == "not_supported"

    # an old sentry (no actions=) is answered as before, and not counted as taking actions
    old = await farm.poll(sentry, takes=None, revision=None)
    assert "actions" not in await old.get_json()
    assert (await farm.ask(rig_id, "restart_miner")).status_code == 409

    assert (await farm.poll(sentry)).status_code == 304  # says what it takes; nothing yet
    asked = await farm.ask(rig_id, "restart_miner", miner="5")
    assert asked.status_code == 202
    action = (await asked.get_json())["action"]
    assert action["status"] == "pending" and action["requested_by"] == "admin (API, HTTP Basic)"

    answer = await farm.poll(sentry, wait=30)  # pending: at once, the same revision, no 304
    body = await answer.get_json()
    assert answer.status_code == 200 and body["revision"] == "0"
    assert [(a["id"], a["kind"], a["miner"]) for a in body["actions"]] == \
        [(action["id"], "restart_miner", "5")]

    ack = await farm.client.post(f"/api/v1/sentry/actions/{action['id']}", headers=sentry,
                                 json={"outcome": "done", "message": "restarted (pid 42)"})
    assert ack.status_code == 200 and (await ack.get_json())["status"] == "done"
    again = await farm.client.post(f"/api/v1/sentry/actions/{action['id']}", headers=sentry,
                                   json={"outcome": "failed"})
    assert (await again.get_json())["status"] == "done"  # the first outcome stays
    assert (await farm.poll(sentry)).status_code == 304
    [row] = await farm.history(rig_id)
    assert (row["status"], row["message"]) == ("done", "restarted (pid 42)")
    assert row["delivered_at"] and row["acked_at"]

    _, other = await farm.rig("other")
    stolen = await farm.client.post(f"/api/v1/sentry/actions/{action['id']}", headers=other,
                                    json={"outcome": "failed"})
    assert stolen.status_code == 404
    bad = await farm.client.post(f"/api/v1/sentry/actions/{action['id']}", headers=sentry,
                                 json={"outcome": "maybe"})
    assert bad.status_code == 422


async def test_a_new_action_wakes_the_waiting_long_poll(farm: Farm) -> None:
    rig_id, sentry = await farm.rig("waiter")
    await farm.poll(sentry)
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.create_task(farm.poll(sentry, wait=20))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert (await farm.ask(rig_id, "reapply_playbooks")).status_code == 202
    answer = await asyncio.wait_for(waiting, 5)
    assert loop.time() - started < 5
    assert [a["kind"] for a in (await answer.get_json())["actions"]] == ["reapply_playbooks"]


async def test_where_actions_cannot_run(farm: Farm) -> None:
    rig_id, sentry = await farm.rig("no-reboot")
    await farm.poll(sentry)
    reboot = await farm.ask(rig_id, "reboot")
    error = (await reboot.get_json())["error"]
    assert reboot.status_code == 409 and error["code"] == "not_supported"
    assert "allow_reboot" in error["message"]
    asic_id, _ = await farm.rig("asics", kind="asic")
    asic = await farm.ask(asic_id, "restart_miner")
    assert asic.status_code == 409
    assert (await asic.get_json())["error"]["code"] == "not_a_cpu_gpu_rig"
    assert (await farm.ask(999999, "restart_miner")).status_code == 404
    assert (await farm.ask(rig_id, "format_disk")).status_code == 422
    assert (await farm.ask(rig_id, "restart_miner", miner="xmrig; reboot")).status_code == 422
    assert (await farm.ask(rig_id, "reapply_playbooks", miner="3")).status_code == 422
    assert await farm.history(rig_id) == []


async def test_loop_protection_backoff_then_gave_up_once(farm: Farm) -> None:
    rig_id, sentry = await farm.rig("looping")
    await farm.poll(sentry, takes="restart_miner,reapply_playbooks,reboot")
    notified: list[GaveUp] = []

    async def notify(event: GaveUp) -> None:
        notified.append(event)

    farm.service.on_gave_up.append(notify)
    assert (await farm.ask(rig_id, "reboot")).status_code == 202
    farm.tick(30)
    soon = await farm.ask(rig_id, "reboot")
    assert soon.status_code == 429 and soon.headers["Retry-After"] == "30"
    assert (await soon.get_json())["error"]["code"] == "limited"
    assert (await farm.ask(rig_id, "restart_miner")).status_code == 202  # another kind
    farm.tick(60)  # 90 s after the first reboot: the backoff is 60 s * 2 (2 sent this hour)
    assert (await farm.ask(rig_id, "reboot")).headers["Retry-After"] == "30"
    farm.tick(30)
    assert (await farm.ask(rig_id, "reboot")).status_code == 202  # the 3rd of the hour

    farm.tick(60)
    for _ in range(3):
        refused = await farm.ask(rig_id, "reboot")
        assert refused.status_code == 429
        assert (await refused.get_json())["error"]["code"] == "gave_up"
    assert len(notified) == 1 and notified[0].rig_name == "looping"
    statuses = [a["status"] for a in await farm.history(rig_id)]
    assert statuses == ["gave_up", "pending", "pending", "pending"]

    farm.tick(3600)  # an hour after the first: it takes actions again (the old ones expired)
    assert (await farm.ask(rig_id, "reboot")).status_code == 202
    statuses = [a["status"] for a in await farm.history(rig_id)]
    assert statuses == ["pending", "gave_up", "expired", "expired", "expired"]


async def test_unacknowledged_actions_expire_and_are_not_delivered(farm: Farm) -> None:
    rig_id, sentry = await farm.rig("offline")
    await farm.poll(sentry)
    await farm.ask(rig_id, "reapply_playbooks")
    farm.tick(601)
    assert (await farm.poll(sentry)).status_code == 304
    [row] = await farm.history(rig_id)
    assert row["status"] == "expired" and "600 s" in row["message"]


async def test_bulk_actions_one_result_per_rig(farm: Farm) -> None:
    first, sentry = await farm.rig("bulk-1")
    await farm.poll(sentry)
    second, _ = await farm.rig("bulk-2")  # its sentry never connected
    answer = await farm.client.post("/api/v1/actions", auth=ADMIN, json={
        "kind": "restart_miner", "rig_ids": [first, second, first]})
    results = (await answer.get_json())["results"]
    assert [(r["rig_id"], r["accepted"], r["refusal"]) for r in results] == \
        [(first, True, None), (second, False, "not_supported")]
    empty = await farm.client.post("/api/v1/actions", auth=ADMIN,
                                   json={"kind": "reboot", "rig_ids": []})
    assert empty.status_code == 422
