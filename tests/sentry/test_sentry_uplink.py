"""The uplink against a real commander: a refused report never blocks the queue; backoff."""

from __future__ import annotations

import asyncio
from pathlib import Path

from minerfarm.agent.client import CommanderClient
from minerfarm.agent.spool import Spool
from minerfarm.agent.uplink import Uplink
from minerfarm.aio import Backoff
from tests.support import CommanderProcess, utc_ts


async def test_a_report_the_commander_refuses_is_dropped_and_the_rest_delivered(
        commander: CommanderProcess, tmp_path: Path) -> None:
    rig_id, token = await asyncio.to_thread(commander.create_rig, "uplink-refused")
    good = {"ts": utc_ts(), "host": {"hostname": "rig"}}
    bad = {"ts": utc_ts(), "asics": [{"ip": "10.0.0.1", "online": True}]}
    with Spool(tmp_path / "spool.db") as spool:
        async with CommanderClient(commander.url, token, commander.cert) as client:
            uplink = Uplink(client, spool)
            seqs = []
            for body in (good, good, bad, good):  # a cpu_gpu rig reports no ASICs: 422
                seq = await uplink.next_seq()
                seqs.append(seq)
                await uplink.submit(seq, {"seq": seq, **body})
            while await uplink.flush_once():
                pass
        stats = spool.stats()
        assert (stats.count, stats.dropped) == (0, 1)

    def stored() -> list[int]:
        with commander.admin() as admin:
            reports = admin.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"]
        return sorted(r["seq"] for r in reports)

    for _ in range(50):  # the commander's consumer stores queued reports asynchronously
        if len(await asyncio.to_thread(stored)) == 3:
            break
        await asyncio.sleep(0.1)
    assert await asyncio.to_thread(stored) == [seqs[0], seqs[1], seqs[3]]


def test_backoff_doubles_with_jitter_up_to_its_cap_and_resets() -> None:
    backoff = Backoff(base_s=1.0, max_s=8.0, rand=lambda low, high: high)
    assert [backoff.next() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next() == 1.0
    jittered = Backoff(base_s=1.0, max_s=8.0)
    delays = [jittered.next() for _ in range(5)]
    assert all(0.5 * cap <= d <= cap for d, cap in zip(delays, [1, 2, 4, 8, 8], strict=True))
